"""The engine in a background thread: engine events become Qt signals.

``TrainWorker`` is moved to a QThread and its ``run`` slot calls ``engine.fit``. Each event the
engine reports is re-emitted as a signal carrying the same frozen dataclass; Qt queues it to the
GUI thread. ``finished`` always fires exactly once, whatever happened.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from ..settings.config import RunConfig
from ..errors import DataError, UserError
from ..training.events import (
    BatchEnd,
    Callback,
    DownloadProgress,
    EpochEnd,
    Event,
    RunEnd,
    RunStarted,
)
from .qt_compat import emit

TENSORBOARD_FOLDER = "tensorboard"


# Mild on purpose: enough for the window to win the CPU from its own training threads, while a
# busy machine (another process at nice 0) still leaves training a fair share (nice 10 starved it).
WORKER_NICE = 3


def _yield_cpu_to_the_window() -> None:
    """Lower this thread's priority so the GUI thread gets the CPU first when both want it.

    On Linux ``nice`` is per thread and inherited by the threads it starts, so torch's intra-op
    threads created for this run inherit it too: training keeps every core when the window is
    idle, and the window never waits behind it on a small machine.
    """
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
        except OSError:
            pass  # not permitted here: training still works at normal priority


def _failure(exc: Exception) -> tuple[str, str, bool]:
    """("failed", a message for the window, whether to offer the bundled sample)."""
    if isinstance(exc, DataError):
        return "failed", str(exc), bool(exc.offer_sample)
    if isinstance(exc, UserError):
        return "failed", str(exc), False
    print("resnet-gui: training failed:", file=sys.stderr)
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    return "failed", f"Training failed: {type(exc).__name__}: {exc}", False


_STORE_OPEN_LOCK = threading.Lock()


def open_run_store(runs_db: str | Path | None = None) -> Any:
    """The run store (``runs.RunStore``), opened under a process-wide lock.

    Two first opens of a new database racing each other would both run its migrations, and the
    second would fail; the window's threads (training, the Runs tab, exports) open it through here.
    """
    from ..runs.store import RunStore

    with _STORE_OPEN_LOCK:
        return RunStore(runs_db)


def tensorboard_logdir(runs_db: str | Path, run_id: int) -> Path:
    """Where a run's TensorBoard scalars go: ``<db folder>/tensorboard/run-N``."""
    return Path(runs_db).parent / TENSORBOARD_FOLDER / f"run-{run_id}"


class _SkipReplayed:
    """Passes events on to ``callback``, except the past epochs a resumed run re-emits."""

    def __init__(self, callback: Callback) -> None:
        self.callback = callback
        self.first_new_epoch = 1

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.first_new_epoch = event.start_epoch
        elif isinstance(event, EpochEnd) and event.epoch < self.first_new_epoch:
            return
        self.callback(event)


class TrainWorker(QObject):
    """Runs one training run; ``finished(status, message, offer_sample)`` reports how it ended.

    Events without a signal of their own (such as per-epoch test predictions) go out as
    ``other_event``.
    """

    started = Signal(object)
    download_progress = Signal(object)
    batch_end = Signal(object)
    past_batches = Signal(object)  # a resumed run's recorded batch losses: [(fractional epoch, loss)]
    epoch_end = Signal(object)
    other_event = Signal(object)
    run_recorded = Signal(int)
    finished = Signal(str, str, bool)

    def __init__(self, cfg: RunConfig, runs_db: str | None = None, resume_run_id: int | None = None,
                 tensorboard: bool = False) -> None:
        """``runs_db``: the run history (None: the default one); ``resume_run_id``: continue that run;
        ``tensorboard``: also log scalars to ``tensorboard_logdir(runs_db, run_id)``."""
        super().__init__()
        self._cfg = cfg
        self._runs_db = runs_db
        self._resume_run_id = resume_run_id
        self._tensorboard = tensorboard
        self._stop_event = threading.Event()
        self._pause_event = threading.Event()
        self.run_id: int | None = resume_run_id

    def request_stop(self) -> None:
        """Ask the run to stop after the current batch; safe to call from any thread."""
        self._stop_event.set()

    def set_paused(self, paused: bool) -> None:
        """Pause before the next batch (everything stays in memory) or continue; any thread."""
        if paused:
            self._pause_event.set()
        else:
            self._pause_event.clear()

    @property
    def paused(self) -> bool:
        """True while a pause is requested."""
        return self._pause_event.is_set()

    @property
    def stop_requested(self) -> bool:
        """True once ``request_stop`` was called."""
        return self._stop_event.is_set()

    @Slot()
    def run(self) -> None:
        """Train until done, stopped or failed, then emit ``finished``."""
        _yield_cpu_to_the_window()
        status, message, offer_sample = self._fit()
        emit(self.finished, status, message, offer_sample)

    def _fit(self) -> tuple[str, str, bool]:
        store = None
        try:
            from ..training.checkpoint import load_checkpoint, resume_position
            from ..training.engine import fit
            store = open_run_store(self._runs_db)
            resume = None
            if self._resume_run_id is not None:
                run = store.get(self._resume_run_id)
                if not run.last_checkpoint:
                    raise UserError(f"Run {run.id} has no checkpoint to resume from (it ended before its "
                                    "first epoch). Train it again instead.")
                resume = load_checkpoint(run.last_checkpoint)
                store.reopen(run.id, resume_position(resume))
                emit(self.past_batches, store.batch_losses(run.id))
            else:
                self.run_id = store.create_run(self._cfg)
            assert self.run_id is not None
            emit(self.run_recorded, self.run_id)
            # The recorder writes before the bridge signals, so a view that re-reads the store on
            # a signal finds the event there.
            callbacks: list[Callback] = [store.recorder(self.run_id), self._bridge]
            if self._tensorboard:
                from ..runs.tensorboard_log import TensorBoardLogger

                logger = TensorBoardLogger(tensorboard_logdir(store.path, self.run_id))
                callbacks.append(_SkipReplayed(logger))
            result = fit(self._cfg, callbacks=callbacks, stop=self._stop_event,
                         pause=self._pause_event, checkpoint_dir=store.get(self.run_id).checkpoint_dir,
                         resume=resume)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window
            status, message, offer_sample = _failure(exc)
            if store is not None and self.run_id is not None:
                store.finish(self.run_id, "failed", message)
            return status, message, offer_sample
        return result.status, "", False

    def _bridge(self, event: Event) -> None:
        if isinstance(event, BatchEnd):
            emit(self.batch_end, event)
        elif isinstance(event, EpochEnd):
            emit(self.epoch_end, event)
        elif isinstance(event, RunStarted):
            emit(self.started, event)
        elif isinstance(event, DownloadProgress):
            emit(self.download_progress, event)
        elif not isinstance(event, RunEnd):
            emit(self.other_event, event)
