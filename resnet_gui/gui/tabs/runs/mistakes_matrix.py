"""The matrix of two runs' confusion matrices' difference (B minus A), as the "Compare mistakes" window draws it.

Each cell shows B's count minus A's and is shaded by whom it favours: on the diagonal more right
answers favour the run that has them, off it more of a mistake favours the other run. The diagonal,
where each class's right answers change, is in bold and framed; a last column gives each class's
change in accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ....inference.compare import MistakeComparison
from ...widgets import palette
from ..results.confusion_view import ConfusionModel

ModelIndex = QModelIndex | QPersistentModelIndex
CENTER = int(Qt.AlignmentFlag.AlignCenter)


def mix(low: palette.Rgb, high: palette.Rgb, t: float) -> palette.Rgb:
    """The colour ``t`` (0..1) of the way from ``low`` to ``high``."""
    t = min(max(t, 0.0), 1.0)
    return (
        round(low[0] + (high[0] - low[0]) * t),
        round(low[1] + (high[1] - low[1]) * t),
        round(low[2] + (high[2] - low[2]) * t),
    )


def diverging(theme: palette.Theme, favour: float) -> palette.Rgb:
    """The colour of a cell whose difference favours B by ``favour`` (-1: A most, 0: neither, 1: B most)."""
    a_end, b_end = theme.diverging
    return mix(theme.heat_low, b_end if favour > 0 else a_end, abs(favour))


def favour_of_b(difference: np.ndarray) -> np.ndarray:
    """How much each cell of a difference (B minus A) favours B: the diagonal as it is, the mistakes negated."""
    favour = -difference.astype(np.float64)
    np.fill_diagonal(favour, np.diag(difference))
    return favour


class DifferenceModel(ConfusionModel):
    """B's confusion counts minus A's, with each class's change in accuracy in a last column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison: MistakeComparison | None = None
        self.names = ("A", "B")  # what the tooltips call the two runs
        self.favour = np.zeros((0, 0))
        self.scale = 1.0
        self.accuracy_change = np.zeros(0)
        self.counts_a = self.counts_b = np.zeros((0, 0), dtype=np.int64)

    def set_comparison(self, comparison: MistakeComparison | None, names: tuple[str, str] = ("A", "B")) -> None:
        """Show ``comparison`` (None: nothing); ``names`` label run A and run B in the tooltips."""
        self.comparison, self.names = comparison, names
        if comparison is None:
            self.set_counts(np.zeros((0, 0), dtype=np.int64), ())
            return
        self.counts_a, self.counts_b = comparison.confusion_a(), comparison.confusion_b()
        difference = self.counts_b - self.counts_a
        self.favour = favour_of_b(difference)
        self.scale = float(np.abs(self.favour).max()) or 1.0
        support = self.counts_a.sum(axis=1)
        self.accuracy_change = np.divide(np.diag(difference), support, out=np.zeros(len(support)), where=support > 0)
        self.set_counts(difference, comparison.class_names)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Signed counts shaded by whom they favour; the diagonal in bold; the accuracy change per class."""
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTER
        if c == len(self.class_names):
            return self._accuracy_data(r, role)
        value = int(self.counts[r, c])
        shade = diverging(self.theme, self.favour[r, c] / self.scale)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value:+d}" if value else "0"
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(*shade))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(*palette.text_on(shade)))
        if role == Qt.ItemDataRole.FontRole and r == c:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._cell_tip(r, c)
        return None

    def _accuracy_data(self, row: int, role: int) -> Any:
        change = float(self.accuracy_change[row])
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{change * 100:+.1f} pts" if change else "0"
        if role == Qt.ItemDataRole.UserRole:
            return change
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(*self.theme.accuracy_cell))
        if role == Qt.ItemDataRole.ToolTipRole:
            a, b = self.names
            return (
                f"{self.class_names[row]}: {b} gets {np.diag(self.counts_b)[row]} of its test images right, "
                f"{a} {np.diag(self.counts_a)[row]} ({change * 100:+.1f} percentage points)"
            )
        return None

    def _cell_tip(self, r: int, c: int) -> str:
        a, b = self.names
        what = (
            f"{self.class_names[r]} predicted right"
            if r == c
            else f"true {self.class_names[r]}, predicted {self.class_names[c]}"
        )
        favoured = b if self.favour[r, c] > 0 else a if self.favour[r, c] < 0 else ""
        verdict = f" — in {favoured}'s favour" if favoured else ""
        return (
            f"{what}: {b} {int(self.counts_b[r, c])} images, {a} {int(self.counts_a[r, c])} "
            f"({int(self.counts[r, c]):+d}){verdict}. Click to see the images one gets right and the other wrong."
        )

    def headerData(  # noqa: N802 - Qt override
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Class names on both axes; the last column is the change in each class's accuracy."""
        if orientation == Qt.Orientation.Horizontal and section == len(self.class_names):
            if role == Qt.ItemDataRole.DisplayRole:
                return "accuracy\nB − A"
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Each class's accuracy of B minus A's, in percentage points"
        return super().headerData(section, orientation, role)


class DiagonalFrame(QStyledItemDelegate):
    """Draws a frame around the diagonal's cells, where each class's right answers change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color: palette.Rgb = palette.current().plot_foreground
        palette.follow(self.set_theme)

    def set_theme(self, theme: palette.Theme) -> None:
        """Frame in ``theme``'s foreground colour."""
        self.color = theme.plot_foreground

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        """The cell as usual, then the frame on the diagonal."""
        super().paint(painter, option, index)
        if index.row() == index.column():
            painter.save()
            painter.setPen(QPen(QColor(*self.color), 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
            painter.restore()
