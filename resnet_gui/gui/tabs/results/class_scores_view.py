"""Per-class precision, recall, F1 and support of the shown confusion matrix, sortable by any column,
with the macro and the support-weighted averages under the table."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ....inference.metrics import ClassScores, class_scores

ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Class", "Precision", "Recall", "F1", "Support")
HEADERS = ("Class", "Prec.", "Recall", "F1", "Support")
COLUMN_TIPS = (
    "the class (sorting by it goes back to the classes' order)",
    "of the test images predicted as this class, the share that are of it (tp / predicted)",
    "of this class's test images, the share predicted as it (tp / support): the matrix's accuracy column",
    "the harmonic mean of precision and recall, 2PR / (P + R)",
    "the class's test images",
)
ROW_PX = 22
WIDTH_PX = 330


class ClassScoresModel(QAbstractTableModel):
    """One row per class; the sort role holds numbers (the class's own index in the Class column)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scores: ClassScores | None = None
        self.class_names: tuple[str, ...] = ()

    def set_scores(self, scores: ClassScores | None, class_names: tuple[str, ...]) -> None:
        """Show ``scores`` (None: nothing)."""
        self.beginResetModel()
        self.scores, self.class_names = scores, class_names if scores is not None else ()
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.class_names)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(COLUMNS)

    def value(self, row: int, column: int) -> float:
        """The number of a cell (the class's index in the Class column)."""
        s = self.scores
        assert s is not None
        return float((row, s.precision[row], s.recall[row], s.f1[row], s.support[row])[column])

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.scores is None:
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if c == 0:
                return self.class_names[r]
            return f"{int(self.value(r, c)):,}" if c == 4 else f"{self.value(r, c):.3f}"
        if role == Qt.ItemDataRole.UserRole:
            return self.value(r, c)
        if role == Qt.ItemDataRole.TextAlignmentRole and c > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and c > 0:
            return f"{self.class_names[r]}, {COLUMNS[c].lower()}: {COLUMN_TIPS[c]}"
        return None

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{COLUMNS[section]}: {COLUMN_TIPS[section]}"
        return None


def averages_text(scores: ClassScores) -> str:
    """Two lines: the macro and the support-weighted averages."""
    lines = []
    for label, (p, r, f) in (("Macro average", scores.macro()), ("Weighted average", scores.weighted())):
        lines.append(f"{label}: P {p:.3f} · R {r:.3f} · F1 {f:.3f}")
    return "\n".join(lines)


class ClassScoresView(QWidget):
    """The per-class table (sortable) and its averages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ClassScoresModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView()
        self.table.setObjectName("class-scores")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(ROW_PX)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.averages = QLabel("")
        self.averages.setObjectName("class-averages")
        self.averages.setToolTip(
            "Macro: each class counts once. Weighted: each class counts by its support (its weighted recall is "
            "the accuracy). P precision, R recall."
        )
        self.setFixedWidth(WIDTH_PX)
        title = QLabel("<b>Per class</b> (click a header to sort)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.averages)

    def show_counts(self, counts: np.ndarray, class_names: tuple[str, ...]) -> None:
        """Score the confusion matrix ``counts``, keeping the chosen sort."""
        scores = class_scores(counts)
        self.model.set_scores(scores, class_names)
        self.averages.setText(averages_text(scores))

    def clear(self) -> None:
        """No matrix, no scores."""
        self.model.set_scores(None, ())
        self.averages.setText("")

    def sort_by(self, column: int, descending: bool = False) -> None:
        """Sort the rows as a click on the header of ``column`` does."""
        self.table.sortByColumn(column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)

    def shown_rows(self) -> list[list[str]]:
        """The table's texts, top to bottom as shown."""
        p = self.proxy
        return [[p.index(r, c).data() for c in range(len(COLUMNS))] for r in range(p.rowCount())]
