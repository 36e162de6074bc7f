"""Compare two runs' mistakes: the difference of their confusion matrices and, for a clicked cell, the
test images one run gets right and the other wrong.

``MistakesDialog`` scores both runs' trained models (best checkpoint, else last) on their test set in
its own lane ("compare-mistakes": latest request wins, cancelled when the window closes) and shows the
result in a ``MistakesView``. What cannot be compared (other test data, no trained model) is said in
the window and in the main window's banner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...jobs import JobContext, Jobs
from ...qt_compat import emit
from ...widgets import palette
from ..results.confusion_view import MAX_THUMBNAILS, MIN_COLUMN_PX
from ..results.thumbnails import ThumbnailGrid
from .mistakes_matrix import DiagonalFrame, DifferenceModel
from .scoring_dialog import ScoringDialog

if TYPE_CHECKING:
    from ....inference.compare_runs import RunsMistakes
    from ....runs.store import RunRecord

LANE = "compare-mistakes"
CLICK_TEXT = "Click a cell to see the test images one run gets right and the other wrong."
LEGEND = (
    "Each cell: B's count minus A's (rows: true class, columns: predicted class). Blue is in B's favour "
    "(more right answers on the framed diagonal, fewer of a mistake off it), red in A's."
)


class MistakesView(QWidget):
    """The difference matrix above two galleries: "A right, B wrong" and "B right, A wrong".

    A click on a thumbnail emits ``image_chosen(run id, run name, test image)`` for the run that gets it wrong.
    """

    image_chosen = Signal(int, str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: RunsMistakes | None = None
        self.selected_cell: tuple[int, int] | None = None
        self.model = DifferenceModel(self)
        self.runs_label = QLabel()
        self.runs_label.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        legend = QLabel(LEGEND)
        legend.setWordWrap(True)
        palette.set_tone(legend, "muted")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(DiagonalFrame(self.table))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(MIN_COLUMN_PX)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.clicked.connect(self._on_cell_clicked)
        self.cell_label = QLabel(CLICK_TEXT)
        self.cell_label.setWordWrap(True)
        self.a_title, self.b_title = QLabel(), QLabel()
        self.a_only = ThumbnailGrid(text_width=84, text_lines=2)
        self.b_only = ThumbnailGrid(text_width=84, text_lines=2)
        self.a_only.chosen.connect(lambda i: self._choose(i, a_right=True))
        self.b_only.chosen.connect(lambda i: self._choose(i, a_right=False))
        for grid in (self.a_only, self.b_only):
            grid.setToolTip("Click an image to see it in the Results tab, with the model that gets it wrong")
        galleries = QHBoxLayout()
        for title, grid in ((self.a_title, self.a_only), (self.b_title, self.b_only)):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(grid, 1)
            galleries.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.runs_label)
        layout.addWidget(self.summary)
        layout.addWidget(legend)
        layout.addWidget(self.table)
        layout.addWidget(self.cell_label)
        layout.addLayout(galleries, 1)
        palette.follow(self.model.set_theme)
        self.clear()

    def clear(self) -> None:
        """Show nothing."""
        self.result, self.selected_cell = None, None
        self.model.set_comparison(None)
        for widget in (self.runs_label, self.summary, self.a_title, self.b_title):
            widget.setText("")
        self.cell_label.setText(CLICK_TEXT)
        self.a_only.clear()
        self.b_only.clear()

    def show_result(self, result: RunsMistakes) -> None:
        """Show two runs' comparison, with the cell that differs most chosen."""
        self.result = result
        c, a, b = result.comparison, result.a, result.b
        self.model.set_comparison(c, (f"A (run {a.id})", f"B (run {b.id})"))
        self.runs_label.setText(
            f"<b>A</b>: {a.label}, epoch {a.epoch}: test accuracy {c.accuracy_a():.3f}<br>"
            f"<b>B</b>: {b.label}, epoch {b.epoch}: test accuracy {c.accuracy_b():.3f}"
        )
        a_only, b_only = (int(x.sum()) for x in c.per_class_totals())
        self.summary.setText(
            f"Of the same {len(c.labels):,} test images, B gets {b_only:,} right that A gets wrong and A gets "
            f"{a_only:,} right that B gets wrong; both get {c.both_wrong():,} wrong."
        )
        t = self.table  # every row in view, no empty space under the last: the galleries get the rest
        t.setFixedHeight(t.horizontalHeader().sizeHint().height() + t.verticalHeader().length() + 2 * t.frameWidth())
        favour = np.abs(self.model.favour)
        row, column = np.unravel_index(int(favour.argmax()), favour.shape) if favour.size else (0, 0)
        self.select_cell(int(row), int(column))

    def matrix(self) -> np.ndarray:
        """The differences the cells show (B minus A)."""
        return self.model.counts.copy()

    def select_cell(self, true_class: int, predicted_class: int) -> None:
        """Show the images behind a cell: one run right, the other wrong (as ``predicted_class`` off the diagonal)."""
        if self.result is None:
            return
        self.selected_cell = (true_class, predicted_class)
        self.table.setCurrentIndex(self.model.index(true_class, predicted_class))
        c = self.result.comparison
        names = c.class_names
        t, k = true_class, predicted_class
        a_right, b_right = c.cell(t, k)
        if t == k:
            self.cell_label.setText(f"{names[t]}: the test images one run gets right and the other wrong.")
            a_what, b_what = "B wrong", "A wrong"
        else:
            self.cell_label.setText(
                f"True {names[t]}: the test images one run gets right while the other says {names[k]}."
            )
            a_what, b_what = f"B says {names[k]}", f"A says {names[k]}"
        self.a_title.setText(f"<b>A right, {a_what}</b>: {_images(len(a_right))}{_shown(a_right)}")
        self.b_title.setText(f"<b>B right, {b_what}</b>: {_images(len(b_right))}{_shown(b_right)}")
        self._fill(self.a_only, a_right)
        self._fill(self.b_only, b_right)

    def _fill(self, grid: ThumbnailGrid, indices: np.ndarray) -> None:
        assert self.result is not None
        c, names = self.result.comparison, self.result.comparison.class_names
        entries = []
        for i in (int(i) for i in indices[:MAX_THUMBNAILS]):
            t, ka, kb = int(c.labels[i]), int(c.predicted_a[i]), int(c.predicted_b[i])
            pa, pb = float(c.probs_a[i, ka]), float(c.probs_b[i, kb])
            text = f"A: {names[ka]} {pa:.0%}\nB: {names[kb]} {pb:.0%}"
            tip = (
                f"test image #{i}: true {names[t]}; A ({self.result.a.label}) predicted {names[ka]} ({pa:.1%}), "
                f"B ({self.result.b.label}) predicted {names[kb]} ({pb:.1%})"
            )
            entries.append((c.images[i], text, tip, i))
        grid.fill(entries)

    def _choose(self, image: int, a_right: bool) -> None:
        if self.result is not None:
            wrong = self.result.b if a_right else self.result.a
            emit(self.image_chosen, wrong.id, wrong.name, image)

    def _on_cell_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() < len(self.model.class_names):
            self.select_cell(index.row(), index.column())


def _images(n: int) -> str:
    return f"{n:,} image{'s' if n != 1 else ''}"


def _shown(indices: np.ndarray) -> str:
    return f" (the first {MAX_THUMBNAILS} shown)" if len(indices) > MAX_THUMBNAILS else ""


class MistakesDialog(ScoringDialog):
    """A window comparing two runs' mistakes; ``compare(a, b)`` scores them in the background.

    ``compared`` fires when a comparison is shown; ``error(message)`` when it cannot be made.
    """

    compared = Signal()

    def __init__(self, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, LANE, "Cancelled: select two runs and click Compare mistakes again.", parent)
        self.setWindowTitle("Compare mistakes")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint)
        self.swap_button = QPushButton("Swap A and B")
        self.swap_button.setToolTip("Compare the other way round: A's counts minus B's")
        self.swap_button.clicked.connect(self.swap)
        self.view = MistakesView()
        top = QHBoxLayout()
        top.addWidget(self.status_label, 1)
        top.addStretch(1)  # the buttons keep to the right when there is nothing to say
        top.addWidget(self.cancel_button)
        top.addWidget(self.swap_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.resize(900, 760)
        self._set_busy(False)

    def compare(self, a: RunRecord, b: RunRecord) -> None:
        """Show the window and compare run ``b`` with run ``a`` (B minus A); a newer request replaces this one."""
        self.view.clear()

        def work(ctx: JobContext) -> RunsMistakes:
            from ....inference.compare_runs import compare_runs

            return compare_runs(a, b, stop=ctx.stop)

        status = f"Scoring run {a.id} and run {b.id} on their test set…"
        self.start(status, f"Comparing the mistakes of run {a.id} and run {b.id}", work, self._show)

    def swap(self) -> None:
        """Make B the reference (no scoring again)."""
        if self.view.result is not None:
            self.view.show_result(self.view.result.swapped())

    def _show(self, result: RunsMistakes) -> None:
        self.view.show_result(result)
        emit(self.compared)

    def _set_busy(self, busy: bool) -> None:
        super()._set_busy(busy)
        self.swap_button.setEnabled(not busy and self.view.result is not None)
