"""Find a learning rate: the range test run in its own lane, its curve drawn as it streams, a rate chosen.

A non-modal window beside the form. Run trains the form's network from fresh weights (or, once a
run has ended in the window, from that run's weights with its settings) for a few batches with the
rate rising exponentially (``training.lr_finder``, in the ``lr-find`` lane: the
window never waits), plotting the loss against the rate. When the test ends, each rule's
suggestion is marked and named, and the primary one chosen; a click on the plot chooses the rate
nearest it instead. "Use this rate" hands the chosen rate to the window (``rate_chosen``), which
puts it in the form. Disabled while a run trains in the window: both would share the CPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...runs.status import WITH_MODEL
from ...settings.config import RunConfig
from ...training.lr_curve import (
    DEFAULT_END_LR,
    DEFAULT_START_LR,
    MAX_STEPS,
    MIN_STEPS,
    TIME_BUDGET_S,
    LrFindResult,
    LrFindStep,
)
from ...training.lr_rules import RULE_DESCRIPTIONS
from ..jobs import Job, JobContext, Jobs
from ..qt_compat import emit
from ..widgets.palette import set_tone
from .lr_plot import LrPlot

if TYPE_CHECKING:
    from ..session.run_session import RunSession

LANE = "lr-find"
INTRO = (
    "Trains the network for a few batches, the learning rate rising from the start rate to the end rate, and "
    "plots the loss against it (the weights are left as they were). A good rate lies where the loss still falls "
    "steeply, before it turns up. Click the curve to choose a rate."
)
FRESH_WEIGHTS = "Starts from fresh weights: no run has ended in the window yet"


def _find_lr(
    ctx: JobContext, cfg: RunConfig, steps: int | None, lrs: tuple[float, float], source: tuple[str, int] | None
) -> LrFindResult:
    """The range test, from fresh weights for ``cfg``, or from the weights of run ``source`` (runs db, id)."""
    from ...training.lr_finder import find_lr

    if source is None:
        return find_lr(cfg, steps, *lrs, ctx.progress, ctx.stop)
    from ...training.checkpoint import load_last_checkpoint
    from ..session.training_job import open_run_store

    db, run_id = source
    ckpt = load_last_checkpoint(open_run_store(db).get(run_id), "untick its weights to start fresh")
    return find_lr(RunConfig.from_dict(ckpt["config"]), steps, *lrs, ctx.progress, ctx.stop, resume=ckpt)


def _rounded(lr: float) -> float:
    """``lr`` to two significant digits, as a user would type it."""
    return float(f"{lr:.2g}")


class LrFindDialog(QDialog):
    """The range test's window; emits ``rate_chosen(lr)`` on "Use this rate" and ``error`` for the banner."""

    rate_chosen = Signal(float)
    error = Signal(str, bool)

    def __init__(self, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find a learning rate")
        self.setModal(False)
        self._jobs = jobs
        self._job: Job | None = None
        self._config: RunConfig | None = None
        self._training = False
        self._trained: tuple[str, int] | None = None  # (runs db, id) of the last run that ended with weights
        self.last_result: LrFindResult | None = None
        self.chosen: float | None = None
        self._built = False  # the widgets are made when first shown: nothing to build while the window starts

    def _build(self) -> None:
        if self._built:
            return
        self._built = True
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        set_tone(intro, "muted")
        self.steps_edit = QLineEdit()
        self.steps_edit.setPlaceholderText(f"auto (as many as fit in {TIME_BUDGET_S:.0f} s)")
        self.steps_edit.setToolTip(
            f"Batches to train, at least {MIN_STEPS}; empty: as many as fit in {TIME_BUDGET_S:.0f} s here "
            f"({MIN_STEPS} to {MAX_STEPS})"
        )
        self.start_edit = QLineEdit(f"{DEFAULT_START_LR:g}")
        self.end_edit = QLineEdit(f"{DEFAULT_END_LR:g}")
        fields = QFormLayout()
        fields.addRow("Steps", self.steps_edit)
        fields.addRow("Start rate", self.start_edit)
        fields.addRow("End rate", self.end_edit)
        self.from_run_check = QCheckBox()
        self.from_run_check.setChecked(True)
        fields.addRow("Weights", self.from_run_check)
        self.run_button = QPushButton("Run test")
        self.run_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.use_button = QPushButton("Use this rate")
        self.use_button.setToolTip("Put the chosen rate in the form's learning-rate field")
        self.use_button.clicked.connect(self._use)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        self.plot = LrPlot()
        self.plot.point_chosen.connect(self.choose)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.chosen_label = QLabel()
        self.suggestion_label = QLabel()
        self.suggestion_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.run_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.chosen_label)
        buttons.addWidget(self.use_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(fields)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.suggestion_label)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(720, 560)
        self._sync()

    # --- what the window wires ------------------------------------------------------------------

    def bind(self, session: RunSession) -> None:
        """Follow the session: no test while a run trains in the window, and a run starting stops one."""

        def on_state(_state: str) -> None:
            self._training = session.training
            if self._training:
                self.stop()
            self._sync()

        session.state_changed.connect(on_state)

        def on_ended(status: str, _message: str, _offer_sample: bool) -> None:
            if status in WITH_MODEL and session.run_id is not None:
                self._trained = (str(session.runs_db), session.run_id)
                if self._built:
                    self.from_run_check.setChecked(True)  # a new run's weights: offered afresh
                self._sync()

        session.run_ended.connect(on_ended)

    def show_beside(self) -> None:
        """Show the window (it keeps its curve while hidden) in front."""
        self._build()
        self.show()
        self.raise_()
        self.activateWindow()

    def set_config(self, cfg: RunConfig | None) -> None:
        """The form's settings (None while invalid): the network, data and optimiser the test uses."""
        self._config = cfg
        self._sync()

    @property
    def running(self) -> bool:
        """True while a test runs."""
        return self._job is not None and not self._job.done

    def weights_source(self) -> tuple[str, int] | None:
        """(runs db, run id) whose weights the test starts from; None: fresh weights for the form's settings."""
        ticked = self._built and self.from_run_check.isChecked()
        return self._trained if ticked else None

    # --- the test -------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the test with the form's settings and this window's range (latest wins)."""
        if self._config is None or self._training or self.running:
            return
        try:
            steps = int(self.steps_edit.text()) if self.steps_edit.text().strip() else None
            start_lr, end_lr = float(self.start_edit.text()), float(self.end_edit.text())
        except ValueError:
            self._say("Steps must be a whole number (or empty), and the rates numbers such as 1e-7 and 10.", "error")
            return
        cfg, source = self._config, self.weights_source()

        self.plot.clear()
        self.last_result, self.chosen = None, None
        self.suggestion_label.clear()
        self._say("Preparing the data and the network…")
        self._job = self._jobs.lane(LANE, latest_wins=True).submit(
            "Finding a learning rate",
            lambda ctx: _find_lr(ctx, cfg, steps, (start_lr, end_lr), source),
            key=LANE,
            on_done=self._on_done,
            on_error=self._on_error,
            on_cancelled=self._on_cancelled,
            on_progress=self._on_step,
        )
        self._sync()

    def stop(self) -> None:
        """Stop the test after its current batch; the curve so far stays."""
        if self._job is not None:
            self._job.cancel()

    def choose(self, lr: float) -> None:
        """Choose ``lr`` (rounded to two digits) as the rate "Use this rate" puts in the form."""
        self.chosen = _rounded(lr)
        self.plot.mark_chosen(lr)
        self._sync()

    def _use(self) -> None:
        if self.chosen is not None:
            emit(self.rate_chosen, self.chosen)
            self._say(f"Put {self.chosen:g} in the form's learning rate.")

    def _on_step(self, step: object) -> None:
        if not isinstance(step, LrFindStep):
            return
        self.plot.add_point(step.lr, step.loss, step.smoothed)
        self._say(f"Batch {step.step} of {step.steps} · rate {step.lr:.2e} · loss {step.loss:.4f}")

    def _on_done(self, result: LrFindResult) -> None:
        self._job = None
        self.last_result = result
        self.plot.show_curve(list(result.lrs), list(result.losses), list(result.smoothed))
        self.plot.mark_suggestions(result.suggestions)
        ended = "ended early: the loss diverged" if result.diverged else "stopped" if result.stopped else "done"
        self._say(f"{len(result.lrs)} batches of {result.batch_size} in {result.seconds:.0f} s, {ended}.")
        if result.suggested_lr is None:
            self.suggestion_label.setText("Too few batches to suggest a rate: run more steps, or click the curve.")
        else:
            lines = [f"<b>Suggested: {_rounded(result.suggested_lr):g}</b> by the {RULE_DESCRIPTIONS[result.rule]}"]
            lines += [
                f"Also: {_rounded(lr):g} by the {RULE_DESCRIPTIONS[rule]}"
                for rule, lr in result.suggestions.items()
                if rule != result.rule
            ]
            self.suggestion_label.setText("<br>".join(lines))
            self.choose(result.suggested_lr)
        self._sync()

    def _on_error(self, message: str, offer_sample: bool) -> None:
        self._job = None
        self._say(message, "error")
        emit(self.error, message, offer_sample)
        self._sync()

    def _on_cancelled(self) -> None:
        self._job = None
        self._say("Stopped before the first batch.")
        self._sync()

    # --- display --------------------------------------------------------------------------------

    def _say(self, text: str, tone: str = "") -> None:
        self.status.setText(text)
        set_tone(self.status, tone)

    def _sync(self) -> None:
        if not self._built:
            return
        running = self.running
        self.run_button.setEnabled(self._config is not None and not self._training and not running)
        if self._training:
            self.run_button.setToolTip("A run is training in the window: the test waits until it ends")
        elif self._config is None:
            self.run_button.setToolTip("Fix the settings marked in red first")
        else:
            self.run_button.setToolTip("Train a few batches with a rising rate and plot the loss")
        self.stop_button.setEnabled(running)
        self.use_button.setEnabled(self.chosen is not None and not running)
        for edit in (self.steps_edit, self.start_edit, self.end_edit):
            edit.setEnabled(not running)
        check = self.from_run_check
        check.setEnabled(self._trained is not None and not running)
        if self._trained is None:
            check.setChecked(False)
            check.setText("Fresh weights (no run has ended in the window yet)")
            check.setToolTip(FRESH_WEIGHTS)
        else:
            check.setText(f"Start from run {self._trained[1]}'s trained weights, with its settings")
            check.setToolTip("Untick to start from fresh weights with the form's settings")
        self.chosen_label.setText(f"Chosen rate: <b>{self.chosen:g}</b>" if self.chosen is not None else "")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Shown for the first time: make the widgets."""
        self._build()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Closing stops a running test (its thread ends with the lane)."""
        self.stop()
        super().closeEvent(event)
