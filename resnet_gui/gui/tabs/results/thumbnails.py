"""A grid of image thumbnails with a short text under each, shared by the Results tab's galleries
(a confusion cell's images, top losses, suspicious labels)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from ...qt_compat import emit
from ...widgets.images import scaled_pixmap, to_qimage

THUMB_PX = 56
CHECK_PX = 24


class ThumbnailGrid(QListWidget):
    """Thumbnails in reading order; ``chosen`` carries the number stored with the clicked one."""

    chosen = Signal(int)

    def __init__(
        self, text_width: int = 30, text_lines: int = 1, checkable: bool = False, parent: QWidget | None = None
    ) -> None:
        """``text_width``: pixels beside the image for the text; ``text_lines``: lines under it;
        ``checkable``: each thumbnail has a tick box (e.g. to mark an image)."""
        super().__init__(parent)
        self.checkable = checkable
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB_PX, THUMB_PX))
        tick = CHECK_PX if checkable else 0  # the tick box sits beside the image
        self.setGridSize(QSize(THUMB_PX + text_width + tick, THUMB_PX + 22 + 16 * text_lines))
        self._item_size = QSize(THUMB_PX + text_width + tick - 4, THUMB_PX + 6 + 16 * text_lines)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.itemClicked.connect(self._on_clicked)

    def add(self, image: np.ndarray, text: str, tooltip: str, value: int, checked: bool = False) -> QListWidgetItem:
        """One thumbnail of the uint8 ``image`` (C, H, W) standing for ``value``."""
        item = QListWidgetItem(QIcon(scaled_pixmap(to_qimage(image), THUMB_PX)), text)
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setToolTip(tooltip)
        item.setSizeHint(self._item_size)  # the text gets the cell's width, whatever the first item's text
        if self.checkable:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.addItem(item)
        return item

    def fill(self, entries: list[tuple[np.ndarray, str, str, int]]) -> None:
        """Replace the thumbnails with ``entries`` of (image, text, tooltip, value)."""
        self.setUpdatesEnabled(False)
        self.clear()
        for image, text, tooltip, value in entries:
            self.add(image, text, tooltip, value)
        self.setUpdatesEnabled(True)

    def values(self) -> list[int]:
        """The values of the thumbnails, in order."""
        return [int(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())]

    def checked_values(self) -> list[int]:
        """The values of the ticked thumbnails."""
        return [
            int(self.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _on_clicked(self, item: QListWidgetItem) -> None:
        emit(self.chosen, int(item.data(Qt.ItemDataRole.UserRole)))
