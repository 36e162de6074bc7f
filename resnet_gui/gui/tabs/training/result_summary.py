"""A line above the Training tab's plots: what the run came to, and why early test accuracy can lag.

When a run ends it says how it ended, the best and last test accuracy, the last test loss and the
training time (the epochs' own seconds, so a resumed or followed run counts all of its epochs).
While a run is young it explains a test accuracy far below the train accuracy: batch norm tests
with running statistics that have seen only a few dozen steps, so they still lag behind the weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QWidget

from ....runs.comparison import BestLast
from ....training.events import EpochEnd, RunStarted
from .progress_panel import format_duration

if TYPE_CHECKING:
    from ...session.run_session import RunSession

# Test accuracy this far below train accuracy in the first epochs is the batch-norm lag, not overfitting.
BN_LAG_GAP = 0.2
BN_LAG_EPOCHS = 2
# The line keeps this many text lines of height, so its news never resizes the plots below it: a resize
# re-ranges and redraws every plot, about 60 ms of the GUI thread at the moment a run ends.
RESERVED_LINES = 1
IDLE_HINT = "Each run's result appears here when it ends."


def batch_norm_note(epoch: EpochEnd, steps: int) -> str:
    """The explanation for an early epoch whose test accuracy trails its train accuracy by far, else ""."""
    if epoch.epoch > BN_LAG_EPOCHS or epoch.test_acc is None or epoch.train_acc - epoch.test_acc < BN_LAG_GAP:
        return ""
    seen = f"{steps:,} training steps" if steps else "few training steps"
    return (
        f"Epoch {epoch.epoch}: test accuracy {epoch.test_acc:.3f} trails train accuracy {epoch.train_acc:.3f}. "
        "This is usual early on: testing uses the batch-norm layers' running averages, which after "
        f"{seen} still lag behind the weights. The gap normally closes within an epoch or two."
    )


def batch_norm_headline(epoch: EpochEnd) -> str:
    """The one-line form of ``batch_norm_note`` (the line shows it; its tooltip holds the note)."""
    return (
        f"Epoch {epoch.epoch}: test accuracy {epoch.test_acc:.3f} trails train {epoch.train_acc:.3f}, "
        "usual while batch norm settles (hover for why)"
    )


def result_text(run_id: int | None, status: str, epochs: list[EpochEnd], planned: int) -> str:
    """``Run 3 finished: best test accuracy 0.912 (epoch 4), last 0.908 · test loss 0.251 · 5 of 5 epochs in 4:10``."""
    name = f"Run {run_id}" if run_id is not None else "The run"
    if not epochs:
        return f"{name} {status} before its first epoch ended."
    last, scores = epochs[-1], BestLast.of(epochs)
    tested = [e for e in epochs if e.test_acc is not None]
    parts = ["not tested yet"]
    if scores is not None:
        parts = [f"best test accuracy {scores.best:.3f} (epoch {scores.best_epoch}), last {scores.last:.3f}"]
    if tested and tested[-1].test_loss is not None:
        parts.append(f"test loss {tested[-1].test_loss:.3f}")
    done = f"{last.epoch} of {planned} epochs" if planned else f"{last.epoch} epochs"
    parts.append(f"{done} in {format_duration(sum(e.seconds for e in epochs))}")
    return f"{name} {status}: " + " · ".join(parts)


class ResultSummary(QLabel):
    """A hint until there is something to say: the early batch-norm note (in full in its tooltip), then
    the run's result."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("result-summary")
        self.setWordWrap(True)
        self._reserve_height()
        self._show("")
        self._epochs: list[EpochEnd] = []
        self._planned = 0
        self._steps_per_epoch = 0
        self._run_id: int | None = None

    def bind(self, session: RunSession) -> None:
        """Follow ``session``'s runs."""
        session.cleared.connect(self.clear)
        session.run_started.connect(self._on_started)
        session.run_recorded.connect(self._on_recorded)
        session.epoch_end.connect(self._on_epoch)
        session.run_ended.connect(lambda status, *_: self._on_ended(status))

    def clear(self) -> None:
        """Forget the last run (a new one begins)."""
        self._epochs, self._planned, self._steps_per_epoch, self._run_id = [], 0, 0, None
        self._show("")

    def _on_started(self, event: RunStarted) -> None:
        self._planned, self._steps_per_epoch = event.epochs, event.batches_per_epoch

    def _on_recorded(self, run_id: int) -> None:
        self._run_id = run_id

    def _on_epoch(self, event: EpochEnd) -> None:
        self._epochs.append(event)
        note = batch_norm_note(event, event.epoch * self._steps_per_epoch)
        self._show(batch_norm_headline(event) if note else "", note)

    def _on_ended(self, status: str) -> None:
        self._show(result_text(self._run_id, status, self._epochs, self._planned))

    def message(self) -> str:
        """What the line reports ("" while it shows only its hint)."""
        return "" if self.text() == IDLE_HINT else self.text()

    def _show(self, text: str, details: str = "") -> None:
        self.setText(text or IDLE_HINT)
        self.setToolTip(details)
        self.setEnabled(bool(text))  # the hint is drawn greyed

    def _reserve_height(self) -> None:
        margins = self.contentsMargins()
        self.setMinimumHeight(RESERVED_LINES * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """Keep the reserved height when the font changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._reserve_height()
