"""Train, Pause/Resume, Stop and Stop after epoch below the form, with "Run in background" and its process
count, above them what the run will cost, and below them, while a run goes on, changing it (``steer_controls``).

The buttons only ask (``train_clicked``, ``pause_toggled``, ``stop_clicked``, ``steer_asked``); whether each is
enabled follows the run session's state and whether the form's settings can be trained. The cost
line says the parameters, the memory and the estimated duration of the form's run (worked out in
the background by ``session/estimates.py``) and, once a run has ended, how long it took against
its estimate; the run-end notifier (``notify.py``) is hooked up here too.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ...settings.config import RunConfig
from ..jobs import Jobs
from ..notify import RunEndNotifier, RunOutcome
from ..qt_compat import emit
from ..session.estimates import RunEstimates
from ..session.run_session import RunSession, SessionState
from ..widgets.palette import set_tone
from .steer_controls import SteerControls

if TYPE_CHECKING:
    from ...training.estimate import CostPreview, DurationEstimate
    from ...training.events import Steered

ESTIMATING = "estimating the time…"
NBSP = "\u00a0"


class CostLine(QLabel):
    """ "19,786 parameters · needs ~36 MB · about 1 min 10 s on cpu (bf16)", with the sum in its tooltip;
    under it, after a run, "Run 3 took 1 min 15 s; estimated 1 min 10 s (+7 %)"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("run-cost")
        self.setWordWrap(True)
        self._cost = self._time = self._after = ""
        self._render()

    def show_preview(self, preview: CostPreview) -> None:
        """Parameters and memory (or why the run would not fit)."""
        self._cost = preview.line()
        set_tone(self, "error" if preview.problem else "")
        self.setToolTip(preview.problem)
        self._render()

    def show_timing(self) -> None:
        """The duration is being measured."""
        self._time = ESTIMATING
        self._render()

    def show_estimate(self, estimate: DurationEstimate | None) -> None:
        """The estimated duration, with the sum behind it in the tooltip (None: not timed here)."""
        if estimate is None:
            self.show_failure("Estimates are turned off (RESNET_GUI_TIME_ESTIMATES=0) and none is cached.")
            return
        self._time = estimate.line()
        self.setToolTip(f"Estimated duration: {estimate.details()}")
        self._render()

    def show_failure(self, message: str) -> None:
        """The duration could not be estimated (the reason in the tooltip)."""
        self._time = "time not estimated"
        self.setToolTip(message)
        self._render()

    def show_waiting(self) -> None:
        """A run holds the machine: the form's run is estimated once it has ended."""
        self._time = "time estimated after this run"
        self._render()

    def show_invalid(self) -> None:
        """The settings cannot be trained: nothing to estimate."""
        self._cost = self._time = ""
        set_tone(self, "")
        self.setToolTip("")
        self._render()

    def show_outcome(self, outcome: RunOutcome) -> None:
        """A run has ended: how long it took against its estimate."""
        self._after = outcome.timing()
        self._render()

    def clear_outcome(self) -> None:
        """A new run begins."""
        self._after = ""
        self._render()

    def plain_text(self) -> str:
        """The text with ordinary spaces."""
        return self.text().replace(NBSP, " ")

    def _render(self) -> None:
        # Each part keeps its words together (no-break spaces), so a narrow column wraps between parts.
        parts = (p.replace(" ", NBSP) for part in (self._cost, self._time) for p in part.split(" · ") if p)
        cost = " · ".join(parts)
        self.setText("\n".join(line for line in (cost, self._after) if line))
        self.setVisible(bool(cost or self._after))


class BackgroundControls(QWidget):
    """ "Run in background" and "processes"; flags a batch size N processes cannot split."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox("Run in background")
        self.check.setToolTip(
            "Train in a separate process that goes on when the window closes; "
            "the window follows it from the run history"
        )
        self.processes = QSpinBox()
        self.processes.setRange(1, max(os.cpu_count() or 1, 1))
        self.processes.setPrefix("processes: ")
        self.processes.setToolTip(
            "1: one process; N > 1: torchrun with N processes on this machine "
            "(Gloo on CPU); the batch size must be divisible by N"
        )
        self.warning = QLabel()
        set_tone(self.warning, "error")
        self.warning.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.processes)
        layout.addWidget(self.warning, 1)
        self.check.toggled.connect(self._update)
        self.processes.valueChanged.connect(self._update)
        self._batch_size = 0
        self._update()

    @property
    def enabled(self) -> bool:
        """True when Train should start a background run."""
        return self.check.isChecked()

    def set_batch_size(self, batch_size: int) -> None:
        """The form's batch size, checked against the number of processes."""
        self._batch_size = batch_size
        self._update()

    def problem(self) -> str:
        """Why a background run can't start with these settings ("" when it can)."""
        n = self.processes.value()
        if self.enabled and n > 1 and self._batch_size and self._batch_size % n:
            return f"batch size {self._batch_size} is not divisible by {n} processes"
        return ""

    def _update(self) -> None:
        self.processes.setEnabled(self.enabled)
        text = self.problem()
        self.warning.setText(text)
        self.warning.setVisible(bool(text))


class RunControls(QWidget):
    """The run's buttons and cost line; ``train_clicked(in_background, processes)`` when Train is pressed.

    With ``jobs``, the cost line is estimated for the form's settings (after ``core_ready``), and the
    end of each run is announced to the desktop.
    """

    train_clicked = Signal(bool, int)
    pause_toggled = Signal(bool)
    stop_clicked = Signal()
    steer_asked = Signal(str, float)  # a change asked of the running run (see ``training.steering``)

    def __init__(
        self, jobs: Jobs | None = None, core_ready: SignalInstance | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self.cost = CostLine()
        self.estimates = RunEstimates(jobs, core_ready, self) if jobs is not None else None
        self.notifier: RunEndNotifier | None = None
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause training (everything stays in memory); press Resume to continue")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current batch, with a checkpoint to resume from")
        self.stop_after_epoch_button = QPushButton("Stop after epoch")
        self.stop_after_epoch_button.setToolTip("Finish and checkpoint the epoch under way, then stop")
        self.steer = SteerControls()
        self.steer.hide()
        self.background = BackgroundControls()
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button, self.stop_after_epoch_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.cost)
        layout.addLayout(buttons)
        layout.addWidget(self.steer)
        layout.addWidget(self.background)
        if self.estimates is not None:
            self.estimates.previewed.connect(self.cost.show_preview)
            self.estimates.timing.connect(self.cost.show_timing)
            self.estimates.estimated.connect(self.cost.show_estimate)
            self.estimates.failed.connect(self.cost.show_failure)
            self.estimates.waiting.connect(self.cost.show_waiting)
        self._state = SessionState.IDLE
        self._stoppable = False
        self._steerable = False
        self._form_ok = True
        self.train_button.clicked.connect(self._on_train)
        self.pause_button.clicked.connect(lambda: emit(self.pause_toggled, self._state != SessionState.PAUSED))
        self.stop_button.clicked.connect(self.stop_clicked)
        self.stop_after_epoch_button.clicked.connect(lambda: emit(self.steer_asked, "stop_after_epoch", 1.0))
        self.steer.steer_asked.connect(self.steer_asked)
        self.background.check.toggled.connect(lambda _on: self._update())
        self.background.processes.valueChanged.connect(lambda _n: self._update())
        self._update()

    def bind(self, session: RunSession) -> None:
        """Follow ``session``'s state."""

        def on_state(state: str) -> None:
            self._state, self._stoppable, self._steerable = SessionState(state), session.stoppable, session.steerable
            self._update()
            if self.estimates is not None:
                self.estimates.hold(session.busy)

        def on_recorded(_run_id: int) -> None:
            self._steerable = session.steerable
            self._update()

        session.state_changed.connect(on_state)
        session.run_recorded.connect(on_recorded)
        session.run_started.connect(lambda event: self.steer.set_epochs(event.epochs))
        session.steered.connect(self._on_steered)
        session.cleared.connect(self.cost.clear_outcome)
        if self._jobs is not None:
            self.notifier = RunEndNotifier(self.window, session, self._jobs, self)
            self.notifier.reported.connect(self.cost.show_outcome)

    def _on_steered(self, event: Steered) -> None:
        if event.setting == "epochs":
            self.steer.set_epochs(int(event.value))

    def set_form(self, valid: bool, batch_size: int, cfg: RunConfig | None = None) -> None:
        """Whether the form's settings can be trained, and their batch size (and the settings, to estimate)."""
        self._form_ok = valid
        self.background.set_batch_size(batch_size if valid else 0)
        self._update()
        if self.estimates is not None:
            self.estimates.request(cfg if valid else None)
        if not valid:
            self.cost.show_invalid()

    def _on_train(self) -> None:
        emit(self.train_clicked, self.background.enabled, self.background.processes.value())

    def _update(self) -> None:
        idle = self._state == SessionState.IDLE
        self.train_button.setEnabled(idle and self._form_ok and not self.background.problem())
        self.stop_button.setEnabled(self._stoppable)
        self.stop_after_epoch_button.setEnabled(self._steerable)
        self.steer.setVisible(self._state in (SessionState.TRAINING, SessionState.PAUSED, SessionState.FOLLOWING))
        self.steer.setEnabled(self._steerable)
        self.pause_button.setEnabled(
            self._state in (SessionState.PREPARING, SessionState.TRAINING, SessionState.PAUSED)
        )
        self.pause_button.setText("Resume" if self._state == SessionState.PAUSED else "Pause")
