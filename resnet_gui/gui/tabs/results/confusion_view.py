"""The confusion matrix of the test set, refreshed after every epoch, and the images of a chosen cell.

Rows are true classes, columns predicted classes; a last column gives each class's accuracy.
Cells are shaded by their share of the row. Clicking a cell lists its test images as thumbnails,
each with the probability the network gave to the predicted and to the true class; beside them,
each class's precision, recall, F1 and support.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...qt_compat import emit
from ...widgets import palette
from .class_scores_view import ClassScoresView
from .thumbnails import ThumbnailGrid

MAX_THUMBNAILS = 400
MIN_COLUMN_PX = 48
EMPTY_TEXT = "The confusion matrix of the test set appears after the first epoch of a run."

ModelIndex = QModelIndex | QPersistentModelIndex


class Predictions(Protocol):
    """What the view reads from ``resnet_gui.inference.predictions.EpochPredictions`` (numpy only)."""

    epoch: int
    labels: np.ndarray
    predicted: np.ndarray
    probs: np.ndarray
    class_names: tuple[str, ...]
    images: np.ndarray
    views: int

    def confusion(self) -> np.ndarray: ...

    def cell(self, true_class: int, predicted_class: int) -> np.ndarray: ...


def wrap_name(name: str) -> str:
    """A class name on two lines at its first space or slash, for narrow column headers."""
    for sep in (" ", "/"):
        head, found, tail = name.partition(sep)
        if found and head and tail:
            return f"{head}{found.strip()}\n{tail}"
    return name


def row_fractions(counts: np.ndarray) -> np.ndarray:
    """Each count divided by its row's total (0 for an empty row)."""
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)


class ConfusionModel(QAbstractTableModel):
    """Counts (or row fractions) of a confusion matrix, with a per-class accuracy column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.fractions = np.zeros((0, 0))
        self.class_names: tuple[str, ...] = ()
        self.normalized = False
        self.theme = palette.current()

    def set_theme(self, theme: palette.Theme) -> None:
        """Shade the cells in ``theme``'s colours."""
        self.theme = theme
        self._changed_all()

    def set_counts(self, counts: np.ndarray, class_names: tuple[str, ...]) -> None:
        """Show a new matrix; the table keeps its size when the classes are the same."""
        same_shape = counts.shape == self.counts.shape and class_names == self.class_names
        if not same_shape:
            self.beginResetModel()
        self.counts, self.class_names = counts, class_names
        self.fractions = row_fractions(counts)
        if same_shape:
            self._changed_all()
        else:
            self.endResetModel()

    def set_normalized(self, on: bool) -> None:
        """Show each row's fractions (True) or counts."""
        self.normalized = on
        self._changed_all()

    def _changed_all(self) -> None:
        if self.rowCount():
            emit(self.dataChanged, self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.class_names)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() or not self.class_names else len(self.class_names) + 1

    def value(self, row: int, column: int) -> float:
        """The number a class cell shows: a count, or its share of the row when normalised."""
        return float(self.fractions[row, column]) if self.normalized else float(self.counts[row, column])

    def accuracy(self, row: int) -> float:
        """The share of class ``row``'s images predicted correctly."""
        return float(np.diag(self.fractions)[row])

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        classes = len(self.class_names)
        if c == classes:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{self.accuracy(r):.1%}"
            if role == Qt.ItemDataRole.UserRole:
                return self.accuracy(r)
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(*self.theme.accuracy_cell))
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{self.class_names[r]}: {self.accuracy(r):.1%} of its test images are predicted correctly"
        elif role == Qt.ItemDataRole.DisplayRole:
            return f"{self.fractions[r, c]:.2f}" if self.normalized else str(int(self.counts[r, c]))
        elif role == Qt.ItemDataRole.UserRole:
            return self.value(r, c)
        elif role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(*self.theme.heat(float(self.fractions[r, c]))))
        elif role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(*palette.text_on(self.theme.heat(float(self.fractions[r, c])))))
        elif role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"true {self.class_names[r]}, predicted {self.class_names[c]}: {int(self.counts[r, c])} images "
                f"({self.fractions[r, c]:.1%} of {self.class_names[r]}) — click to see them"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(  # noqa: N802 - Qt override
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and section < len(self.class_names):
            side = "predicted" if orientation == Qt.Orientation.Horizontal else "true"
            return f"{side} class: {self.class_names[section]}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if section >= len(self.class_names):
            return "accuracy"
        name = self.class_names[section]
        return wrap_name(name) if orientation == Qt.Orientation.Horizontal else name


class ConfusionView(QWidget):
    """The matrix with a per-row normalisation toggle, and a thumbnail grid of the clicked cell."""

    image_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.predictions: Predictions | None = None
        self.selected_cell: tuple[int, int] | None = None
        self.model = ConfusionModel(self)

        self.normalize_check = QCheckBox("Fractions per row")
        self.normalize_check.setToolTip("Divide each row by its class's number of test images")
        self.normalize_check.toggled.connect(self._on_normalize_toggled)
        self.summary = QLabel(EMPTY_TEXT)
        self.summary.setObjectName("confusion-summary")
        self.summary.setWordWrap(True)
        axes = QLabel("Rows: true class · columns: predicted class")
        palette.set_tone(axes, "muted")

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(MIN_COLUMN_PX)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.clicked.connect(self._on_cell_clicked)

        self.scores = ClassScoresView()
        self.cell_label = QLabel("Click a cell to see its test images.")
        self.cell_label.setObjectName("confusion-cell")
        self.cell_label.setWordWrap(True)
        self.thumbnails = ThumbnailGrid()
        self.thumbnails.chosen.connect(lambda index: emit(self.image_clicked, index))

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.normalize_check)
        cell = QVBoxLayout()
        cell.addWidget(self.cell_label)
        cell.addWidget(self.thumbnails, 1)
        below = QHBoxLayout()
        below.addLayout(cell, 1)
        below.addSpacing(8)
        below.addWidget(self.scores)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(axes)
        layout.addWidget(self.table)
        layout.addLayout(below, 1)
        palette.follow(self.model.set_theme)

    def clear(self) -> None:
        """Forget the matrix (a new run starts)."""
        self.predictions = None
        self.selected_cell = None
        self.model.set_counts(np.zeros((0, 0), dtype=np.int64), ())
        self.scores.clear()
        self.summary.setText(EMPTY_TEXT)
        self.cell_label.setText("Click a cell to see its test images.")
        self.thumbnails.clear()

    def show_message(self, text: str) -> None:
        """Empty the matrix and say why (e.g. a saved run being scored, or why it could not be)."""
        self.clear()
        self.summary.setText(text)

    def show_predictions(self, predictions: Predictions, title: str = "") -> None:
        """Show the matrix of an epoch's test predictions (and refresh the chosen cell's images).

        ``title`` says whose predictions they are (default: "Epoch N").
        """
        self.predictions = predictions
        counts = predictions.confusion()
        self.model.set_counts(counts, tuple(predictions.class_names))
        self.scores.show_counts(counts, tuple(predictions.class_names))
        total, correct = int(counts.sum()), int(np.trace(counts))
        accuracy = correct / total if total else 0.0
        views = "" if predictions.views == 1 else f", {predictions.views} views of each"
        self.summary.setText(
            f"{title or f'Epoch {predictions.epoch}'}: test accuracy {accuracy:.3f} "
            f"({correct:,} of {total:,} test images{views})"
        )
        self._fit_table_height()
        if self.selected_cell is not None:
            self._update_thumbnails()

    def _fit_table_height(self) -> None:
        """No empty space under the last row: the thumbnails get the rest."""
        t = self.table
        rows = t.verticalHeader().length()
        t.setFixedHeight(t.horizontalHeader().sizeHint().height() + rows + 2 * t.frameWidth())

    def matrix(self) -> np.ndarray:
        """The numbers the class cells show (counts, or row fractions when normalised)."""
        m = self.model
        n = len(m.class_names)
        return np.array([[m.value(r, c) for c in range(n)] for r in range(n)])

    def accuracies(self) -> list[float]:
        """The per-class accuracy column, top to bottom."""
        return [self.model.accuracy(r) for r in range(len(self.model.class_names))]

    def select_cell(self, true_class: int, predicted_class: int) -> None:
        """Show the test images of ``true_class`` predicted as ``predicted_class``."""
        self.selected_cell = (true_class, predicted_class)
        self.table.setCurrentIndex(self.model.index(true_class, predicted_class))
        self._update_thumbnails()

    def _on_normalize_toggled(self, on: bool) -> None:
        self.model.set_normalized(on)

    def _on_cell_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() < len(self.model.class_names):
            self.select_cell(index.row(), index.column())

    def _update_thumbnails(self) -> None:
        self.thumbnails.clear()
        p = self.predictions
        if p is None or self.selected_cell is None:
            return
        t, k = self.selected_cell
        names = p.class_names
        indices = p.cell(t, k)
        shown = indices[:MAX_THUMBNAILS]
        what = f"{names[t]} predicted correctly" if t == k else f"{names[t]} predicted as {names[k]}"
        more = f" (showing the first {len(shown)})" if len(shown) < len(indices) else ""
        self.cell_label.setText(
            f"{what}: {len(indices)} test image{'s' if len(indices) != 1 else ''}{more}. "
            "Under each: the probability of the predicted class"
            + ("" if t == k else " / of the true class")
            + ". Click one to see where the network looked, and its feature maps."
        )
        entries = []
        for i in (int(i) for i in shown):
            pred_p, true_p = float(p.probs[i, k]), float(p.probs[i, t])
            text = f"{pred_p:.2f}" if t == k else f"{pred_p:.2f} / {true_p:.2f}"
            tip = f"test image #{i}: true {names[t]} ({true_p:.1%}), predicted {names[k]} ({pred_p:.1%})"
            entries.append((p.images[i], text, tip, i))
        self.thumbnails.fill(entries)
