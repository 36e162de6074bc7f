"""The run session: the one owner of the state of the window's run, announced as signals.

A run either trains inside the window (a job in the "training" lane) or runs in a process of its
own and is followed through the run history (a job in the "follow" lane). Either way the same
signals carry the same events (RunStarted, BatchEnd, EpochEnd, ...), so the views that subscribe
(progress, plots, results, runs) show both alike. Starting, pausing, stopping, resuming and
following are methods here; ``run_ended(status, message, offer_sample)`` fires exactly once per run.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ...runs.processes import Launch
from ...runs.status import RunStatus
from ...settings.config import RunConfig
from ...training.events import (
    BatchEnd,
    DataProgress,
    DownloadProgress,
    EpochEnd,
    EpochPredictions,
    RunPaused,
    RunStarted,
    Steered,
)
from ..jobs import Job, Jobs
from ..qt_compat import emit
from .follow_job import FollowedRun, follow_run, running_here
from .training_job import PastBatches, RunRecorded, TrainingOutcome, ask_run, train_in_window


class SessionState(StrEnum):
    """Where the window's run stands."""

    IDLE = "idle"
    PREPARING = "preparing"  # loading data and building the model
    TRAINING = "training"
    PAUSED = "paused"
    STOPPING = "stopping"
    FOLLOWING = "following"  # a run in another process, followed through the run history
    FOLLOW_STOPPING = "follow-stopping"


LIVE = frozenset({SessionState.PREPARING, SessionState.TRAINING, SessionState.PAUSED, SessionState.STOPPING})
FOLLOWED = frozenset({SessionState.FOLLOWING, SessionState.FOLLOW_STOPPING})


class RunSession(QObject):
    """The state of the run in progress (or followed); views subscribe to its signals."""

    state_changed = Signal(str)
    cleared = Signal()  # a new run begins: views drop the previous run's points
    run_started = Signal(object)  # RunStarted
    batch_end = Signal(object)  # BatchEnd
    epoch_end = Signal(object)  # EpochEnd
    predictions = Signal(object)  # EpochPredictions
    data_progress = Signal(object)  # DataProgress or DownloadProgress
    past_batches = Signal(object)  # [(fractional epoch, loss)] of a resumed run
    paused_at = Signal(int, int)  # the run holds after this epoch's this many batches
    steered = Signal(object)  # Steered: the run applied a change asked of it
    run_recorded = Signal(int)
    status = Signal(str)  # a line saying what the run is doing, for the status line and bar
    run_ended = Signal(str, str, bool)  # status, message, offer the bundled sample
    error = Signal(str, bool)  # for the banner: message, offer the bundled sample

    def __init__(self, jobs: Jobs, runs_db: str | Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from ...runs.store import default_db_path

        self._jobs = jobs
        self.runs_db = Path(runs_db) if runs_db else default_db_path()
        self._state = SessionState.IDLE
        self._job: Job | None = None
        self._pause = threading.Event()
        self.history: list[EpochEnd] = []
        self.run_id: int | None = None
        self.pid: int | None = None  # the followed run's process
        self.launched: Launch | None = None  # the last background run started here
        self._launcher_pid: int | None = None
        self.last_status = ""
        self.config: RunConfig | None = None
        self.tensorboard = False
        self.selected_runs: list[int] = []  # chosen on the Runs tab
        self.newest_run: int | None = None  # in the run history
        self._where = ""  # how far the run has got: "epoch 2/5 · batch 4/24"
        self._looked_for_running = False
        self._epochs_planned = 0

    # --- state ------------------------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """Where the run stands."""
        return self._state

    @property
    def training(self) -> bool:
        """True from Train until the run in the window has ended."""
        return self._state in LIVE

    @property
    def following(self) -> bool:
        """True while a run in another process is followed."""
        return self._state in FOLLOWED

    @property
    def busy(self) -> bool:
        """True while a run trains here or is followed (no other can start)."""
        return self._state != SessionState.IDLE

    @property
    def paused(self) -> bool:
        """True while the run in the window is paused."""
        return self._state == SessionState.PAUSED

    @property
    def stoppable(self) -> bool:
        """True while Stop can still act."""
        return self._state in (
            SessionState.PREPARING,
            SessionState.TRAINING,
            SessionState.PAUSED,
            SessionState.FOLLOWING,
        )

    def _set_state(self, state: SessionState) -> None:
        if state != self._state:
            self._state = state
            emit(self.state_changed, str(state))

    def _begin(self, cfg: RunConfig | None, state: SessionState) -> None:
        self.config, self.history, self.run_id, self.pid, self.last_status = cfg, [], None, None, ""
        self._where, self._epochs_planned = "", 0
        self._pause.clear()
        emit(self.cleared)
        self._set_state(state)

    # --- runs in the window ---------------------------------------------------------------

    def start(self, cfg: RunConfig) -> bool:
        """Train ``cfg`` in the window; False when a run is already going on."""
        return self._train(cfg, None)

    def resume(self, run_id: int, cfg: RunConfig) -> bool:
        """Continue stopped run ``run_id`` from its checkpoint, with its own settings ``cfg``."""
        return self._train(cfg, run_id)

    def _train(self, cfg: RunConfig, resume_run_id: int | None) -> bool:
        if self.busy:
            return False
        self._begin(cfg, SessionState.PREPARING)
        self.run_id = resume_run_id
        emit(self.status, "Preparing data and model…")
        runs_db, pause, tensorboard = str(self.runs_db), self._pause, self.tensorboard
        self._job = self._jobs.lane("training").submit(
            "Training",
            lambda ctx: train_in_window(ctx, cfg, runs_db, resume_run_id, pause, tensorboard),
            on_done=self._on_trained,
            on_error=self._on_failed,
            on_cancelled=self._on_cancelled,
            on_progress=self._on_event,
        )
        return True

    def set_paused(self, paused: bool) -> None:
        """Hold the run in the window before its next batch (everything stays in memory), or go on."""
        if paused and self._state in (SessionState.PREPARING, SessionState.TRAINING):
            self._pause.set()
            self._set_state(SessionState.PAUSED)
        elif not paused and self._state == SessionState.PAUSED:
            self._pause.clear()
            self._set_state(SessionState.TRAINING)

    def stop(self) -> None:
        """Stop the run after its current batch: the one in the window, or the followed process."""
        if self.training and self._state != SessionState.STOPPING and self._job is not None:
            self._job.cancel()
            self._pause.clear()
            self._set_state(SessionState.STOPPING)
        elif self._state == SessionState.FOLLOWING:
            from ...runs.processes import stop_process

            pid = self._launcher_pid or self.pid  # a launch of this window's: its whole process tree
            if pid and stop_process(pid):
                self._set_state(SessionState.FOLLOW_STOPPING)

    def _on_event(self, event: object) -> None:
        if isinstance(event, FollowedRun):
            self._on_followed(event)
        elif isinstance(event, RunRecorded):
            self.run_id = event.run_id
            emit(self.run_recorded, event.run_id)
        elif isinstance(event, PastBatches):
            emit(self.past_batches, event.points)
        elif isinstance(event, RunStarted):
            if self._state == SessionState.PREPARING:
                self._set_state(SessionState.TRAINING)
            self._epochs_planned = event.epochs
            emit(self.run_started, event)
        elif isinstance(event, BatchEnd):
            self._where = f"epoch {event.epoch}/{self._epochs_planned} · batch {event.batch}/{event.batches}"
            emit(self.batch_end, event)
        elif isinstance(event, EpochEnd):
            self.history.append(event)
            self._where = f"epoch {event.epoch}/{self._epochs_planned} done"
            emit(self.epoch_end, event)
        elif isinstance(event, EpochPredictions):
            emit(self.predictions, event)
        elif isinstance(event, RunPaused):
            emit(self.paused_at, event.epoch, event.batches_done)
        elif isinstance(event, Steered):
            if event.setting == "epochs":
                self._epochs_planned = int(event.value)
            emit(self.steered, event)
        elif isinstance(event, (DataProgress, DownloadProgress)):
            emit(self.data_progress, event)

    def _on_trained(self, outcome: TrainingOutcome) -> None:
        self._end(outcome.status, outcome.message, outcome.offer_sample)

    def _on_failed(self, message: str, offer_sample: bool) -> None:
        self._end(RunStatus.FAILED, message, offer_sample)

    def _on_cancelled(self) -> None:
        self._end(RunStatus.STOPPED, "", False)

    def _end(self, status: str, message: str, offer_sample: bool) -> None:
        self._job, self._launcher_pid = None, None
        self.last_status = str(status)
        self._pause.clear()
        self._set_state(SessionState.IDLE)
        if status == RunStatus.FAILED:
            emit(self.error, message or "Training failed.", offer_sample)
        emit(self.run_ended, str(status), message, offer_sample)

    @property
    def steerable(self) -> bool:
        """True while the run (in the window or followed) can be asked for changes."""
        steer_states = (SessionState.TRAINING, SessionState.PAUSED, SessionState.FOLLOWING)
        return self._state in steer_states and self.run_id is not None

    def steer(self, setting: str, value: float) -> None:
        """Ask the run for a change (``steering``: lr, lr_scale, epochs, stop_after_epoch), through the run
        history in the background; the run applies it before its next batch and ``steered`` follows."""
        if not self.steerable or self.run_id is None:
            return
        from ...training.steering import describe_change

        db, run_id, what = self.runs_db, self.run_id, describe_change(setting, value)
        self._jobs.lane("runs").submit(
            "Changing the run",
            lambda _ctx: ask_run(db, run_id, setting, value),
            on_done=lambda _seq: emit(self.status, f"Asked for {what}: the run applies it before its next batch"),
            on_error=lambda message, _offer: emit(self.error, message, False),
        )

    # --- runs in other processes ------------------------------------------------------------

    def start_background(self, cfg: RunConfig, processes: int = 1) -> bool:
        """Train ``cfg`` in a process of its own (torchrun with ``processes`` > 1) and follow it."""
        if self.busy:
            return False
        from ...runs.processes import launch  # writes files and starts a process: only when asked

        launched = self.launched = launch(cfg, self.runs_db, processes)
        self._follow(cfg, None, launched.name, launched.pid)
        self.pid = self._launcher_pid = launched.pid
        emit(self.status, f"Background run (pid {launched.pid}) starting… log: {launched.log_file}")
        return True

    def follow_running(self) -> None:
        """Follow the newest run a process on this machine is training, if any, once found (in the background)."""
        db = self.runs_db
        self._jobs.lane("runs").submit(
            "Looking for a run in progress",
            lambda ctx: running_here(ctx, db),
            on_done=self._on_running_found,
        )

    def _on_running_found(self, run_id: int | None) -> None:
        if run_id is not None and not self.busy:
            self.follow(run_id)

    def follow(self, run_id: int) -> bool:
        """Show run ``run_id``, recorded by another process, live (Stop then stops that process)."""
        if self.busy:
            return False
        self._follow(None, run_id, "", None)
        emit(self.status, f"Following run {run_id}…")
        return True

    def _follow(self, cfg: RunConfig | None, run_id: int | None, name: str, launcher_pid: int | None) -> None:
        self._begin(cfg, SessionState.FOLLOWING)
        self.run_id, self._launcher_pid = run_id, launcher_pid
        db = self.runs_db
        since = self.launched.started_at if self.launched is not None and name == self.launched.name else 0.0
        self._job = self._jobs.lane("follow", latest_wins=True).submit(
            "Following the run",
            lambda ctx: follow_run(ctx, db, run_id, name, launcher_pid, since=since),
            on_done=self._on_follow_done,
            on_error=self._on_failed,
            on_cancelled=lambda: None,
            on_progress=self._on_event,
        )

    def _on_followed(self, news: FollowedRun) -> None:
        if self.run_id != news.run_id or self.pid is None:
            self.run_id = news.run_id
            emit(self.run_recorded, news.run_id)
        self.pid = news.pid or self.pid
        for event in news.events:
            self._on_event(event)
        if self._state == SessionState.FOLLOWING:
            # Where the run is, in the progress bars' words (from the same events).
            where = f" · {self._where}" if self._where else ""
            emit(self.status, f"Background run {news.run_id} (pid {self.pid}) is running{where}")

    def _on_follow_done(self, status: RunStatus) -> None:
        if status == RunStatus.RUNNING:  # only the following ended (the window is closing)
            self._job = None
            self._set_state(SessionState.IDLE)
            return
        emit(self.status, f"Background run {self.run_id} {status}")
        self._end(status, "", False)

    # --- the run history --------------------------------------------------------------------

    def set_tensorboard(self, on: bool) -> None:
        """Log the next runs in the window to TensorBoard too."""
        self.tensorboard = on

    def set_selected_runs(self, run_ids: list[int]) -> None:
        """The runs chosen on the Runs tab (exports act on the first)."""
        self.selected_runs = list(run_ids)

    def set_listed_runs(self, run_ids: list[int]) -> None:
        """The runs in the history, as last read."""
        self.newest_run = max(run_ids) if run_ids else None
        if not self._looked_for_running:  # the window's first look at the history: catch up with a run going on
            self._looked_for_running = True
            self.follow_running()

    def export_run_id(self) -> int | None:
        """The run exports act on: the first selected, else this window's last, else the newest."""
        if self.selected_runs:
            return self.selected_runs[0]
        return self.run_id if self.run_id is not None else self.newest_run

    # --- closing ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the run in the window and stop following (a followed run goes on); the caller then
        shuts the jobs down, which waits for the threads."""
        if self._job is not None:
            self._job.cancel()
