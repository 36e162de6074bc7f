"""Score runs together: the selected runs' trained networks answer each test image, their class
probabilities are averaged, and the average's accuracy is shown beside each network's own.

``EnsembleDialog`` scores the runs in its own lane ("score-ensemble", see ``ScoringDialog``) with
``inference.ensemble.ensemble_of_runs``; what cannot be scored together (other test data, no trained
model) is said in the window and in the main window's banner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...jobs import JobContext, Jobs
from ...qt_compat import emit
from ...widgets import palette
from .scoring_dialog import ScoringDialog

if TYPE_CHECKING:
    from ....inference.ensemble import RunsEnsemble
    from ....runs.store import RunRecord

LANE = "score-ensemble"
COLUMNS = ("Run", "Name", "Epoch", "Test accuracy", "Views per image")
EXPLAIN = (
    "Each network answers every test image as its run scored it (with its test-time flips and shifts); "
    "the class probabilities of all are averaged image by image, and the class with the highest average is "
    "the answer. Networks trained from different seeds make different mistakes, so together they are "
    "usually right more often than the best of them."
)


class EnsembleDialog(ScoringDialog):
    """A window scoring several runs together; ``score(runs)`` scores them in the background.

    ``scored`` fires when a result is shown; ``error(message)`` when the runs cannot be scored together.
    """

    scored = Signal()

    def __init__(self, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, LANE, "Cancelled: select the runs and click Score together again.", parent)
        self.setWindowTitle("Score runs together")
        self.scores: RunsEnsemble | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        explain = QLabel(EXPLAIN)
        explain.setWordWrap(True)
        palette.set_tone(explain, "muted")
        top = QHBoxLayout()
        top.addWidget(self.status_label, 1)
        top.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(explain)
        self.resize(720, 340)
        self._set_busy(False)

    def score(self, runs: list[RunRecord]) -> None:
        """Show the window and score ``runs`` together; a newer request replaces this one."""
        self._show(None)
        ids = ", ".join(str(r.id) for r in runs)

        def work(ctx: JobContext) -> RunsEnsemble:
            from ....inference.ensemble import ensemble_of_runs

            return ensemble_of_runs(runs, stop=ctx.stop)

        self.start(f"Scoring runs {ids} on their test set…", f"Scoring runs {ids} together", work, self._show)

    def _show(self, result: RunsEnsemble | None) -> None:
        self.scores = result
        self.table.setRowCount(0)
        self.summary.setText("")
        if result is None:
            return
        best_run, best = result.best_alone()
        gain = result.gain()
        self.summary.setText(
            f"<b>Together: {result.accuracy:.4f}</b> on {result.images:,} test images, "
            f"{'+' if gain >= 0 else '−'}{abs(gain):.4f} against the best of them alone "
            f"(run {best_run.id}: {best.accuracy:.4f})."
        )
        for run, member in zip(result.runs, result.members, strict=True):
            row = self.table.rowCount()
            self.table.insertRow(row)
            cells = (str(run.id), run.name, str(run.epoch), f"{member.accuracy:.4f}", str(member.views))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(run.checkpoint if column == 1 else text)
                if column != 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        emit(self.scored)
