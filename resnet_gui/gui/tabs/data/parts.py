"""The pieces of the Data tab: image tiles, the per-class sample grid, the class-count bar chart."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from ...widgets import palette
from ...widgets.images import to_qimage
from ...widgets.plot_style import style_plots

TILE = 36  # px: the side of one image tile
CLASS_LABEL_WIDTH = 96
TRAIN_BRUSH = palette.TRAIN_SPLIT
TEST_BRUSH = palette.TEST_SPLIT
BAR_HEIGHT = 0.38


def tile_pixmap(image: np.ndarray, side: int = TILE) -> QPixmap:
    """A uint8 (C, H, W) image as a ``side``-square pixmap: sharp pixels when enlarged by a whole factor."""
    qimage = to_qimage(image)
    size = max(qimage.width(), qimage.height(), 1)
    factor = side // size
    if factor >= 2:  # small images: whole-pixel enlargement keeps every pixel square
        side, mode = size * factor, Qt.TransformationMode.FastTransformation
    else:
        mode = Qt.TransformationMode.SmoothTransformation
    scaled: QImage = qimage.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, mode)
    return QPixmap.fromImage(scaled)


def image_tile(image: np.ndarray | None, tip: str = "") -> QLabel:
    """One image as a fixed-size label; None gives an empty dashed square (a class with fewer images)."""
    label = QLabel()
    label.setObjectName("tile")
    label.setFixedSize(TILE, TILE)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if image is None:
        palette.set_tone(label, "empty-tile")
    else:
        label.setPixmap(tile_pixmap(image))
    label.setToolTip(tip)
    return label


def clear_layout(layout: QGridLayout) -> None:
    """Remove and delete every widget of ``layout``."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def elided_label(text: str, width: int = CLASS_LABEL_WIDTH) -> QLabel:
    """A label at most ``width`` px wide showing ``text`` (cut with … when longer, full text as tooltip)."""
    label = QLabel()
    label.setFixedWidth(width)
    label.setText(label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width - 4))
    label.setToolTip(text)
    label.setAccessibleName(text)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


class SampleGrid(QWidget):
    """One row per class: its name, then its first training images as tiles."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(4)
        self._grid.setVerticalSpacing(4)
        self._labels: list[QLabel] = []
        self._tiles: list[QLabel] = []
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def show_samples(self, class_names: Sequence[str], samples: np.ndarray, counts: Sequence[int]) -> None:
        """``samples`` (classes, per_class, C, H, W); a class with fewer than per_class images gets empty tiles."""
        clear_layout(self._grid)
        self._labels, self._tiles = [], []
        for k, name in enumerate(class_names):
            label = elided_label(name)
            label.setObjectName("class-name")
            self._grid.addWidget(label, k, 0)
            self._labels.append(label)
            for j in range(samples.shape[1]):
                shown = samples[k, j] if j < counts[k] else None
                tile = image_tile(
                    shown,
                    f"{name} · training image {j + 1}"
                    if shown is not None
                    else f"{name} has only {counts[k]} training image(s)",
                )
                self._grid.addWidget(tile, k, j + 1)
                self._tiles.append(tile)

    def class_labels(self) -> list[str]:
        """The full class names of the rows, top to bottom."""
        return [label.toolTip() for label in self._labels]

    def tile_count(self) -> int:
        """Tiles in the grid, empty ones included."""
        return len(self._tiles)


def legend_html() -> str:
    """The chart's key as rich text: a coloured square each for training and test images."""

    def square(rgb: tuple[int, int, int]) -> str:
        return f'<span style="color: rgb{rgb}; font-size: large;">■</span>'

    return f"{square(TRAIN_BRUSH)} training images &nbsp; {square(TEST_BRUSH)} test images"


class ClassCountChart(pg.PlotWidget):
    """Horizontal bars per class: training images and test images, class names down the side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.invertY(True)
        self.setLabel("bottom", "images")
        self.showGrid(x=True, y=False, alpha=0.3)
        self.train_bars = pg.BarGraphItem(x0=[], y=[], height=BAR_HEIGHT, width=[], brush=TRAIN_BRUSH, name="train")
        self.test_bars = pg.BarGraphItem(x0=[], y=[], height=BAR_HEIGHT, width=[], brush=TEST_BRUSH, name="test")
        self.addItem(self.train_bars)
        self.addItem(self.test_bars)
        self._names: tuple[str, ...] = ()
        palette.follow(self._apply_theme)

    def _apply_theme(self, theme: palette.Theme) -> None:
        style_plots(theme, self)

    def show_counts(self, class_names: Sequence[str], train: Sequence[int], test: Sequence[int]) -> None:
        """Draw the counts; the tooltip lists them as numbers."""
        self._names = tuple(class_names)
        k = np.arange(len(class_names), dtype=float)
        self.train_bars.setOpts(x0=np.zeros_like(k), y=k - BAR_HEIGHT / 2, width=np.asarray(train, float))
        self.test_bars.setOpts(x0=np.zeros_like(k), y=k + BAR_HEIGHT / 2, width=np.asarray(test, float))
        axis = self.getAxis("left")
        axis.setTicks(
            [[(float(i), name if len(name) <= 14 else name[:13] + "…") for i, name in enumerate(class_names)]]
        )
        self.setYRange(-0.6, len(class_names) - 0.4, padding=0)
        self.setXRange(0, max([*train, *test, 1]) * 1.1, padding=0)
        self.setMinimumHeight(max(200, 22 * len(class_names) + 70))
        rows = zip(class_names, train, test, strict=True)
        self.setToolTip("\n".join(f"{n}: {a:,} train, {b:,} test" for n, a, b in rows))

    def counts(self) -> dict[str, tuple[int, int]]:
        """What the bars show: class name -> (training images, test images), read from the bars themselves."""
        train, test = self.train_bars.opts["width"], self.test_bars.opts["width"]
        return {n: (int(a), int(b)) for n, a, b in zip(self._names, train, test, strict=False)}
