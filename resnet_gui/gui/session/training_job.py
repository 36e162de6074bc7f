"""The job that trains a run inside the window (in a worker thread): the engine, recorded in the run history.

Its events go to the GUI thread through the job's ``progress``, together with two of its own:
``RunRecorded`` (the run's id, once the store has it) and ``PastBatches`` (a resumed run's
recorded batch losses, to re-plot).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ...runs.status import RunStatus
from ...settings.config import RunConfig
from ...training.events import Callback, EpochEnd, Event, RunStarted
from ..jobs import JobContext, failure_message

if TYPE_CHECKING:
    from ...runs.store import RunStore

TENSORBOARD_FOLDER = "tensorboard"
# Mild on purpose: enough for the window to win the CPU from its own training threads, while a
# busy machine (another process at nice 0) still leaves training a fair share (nice 10 starved it).
WORKER_NICE = 3
_STORE_OPEN_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunRecorded:
    """The run is in the run history under ``run_id``."""

    run_id: int


@dataclass(frozen=True)
class PastBatches:
    """A resumed run's recorded batch losses as (fractional epoch, loss)."""

    points: list[tuple[float, float]]


@dataclass(frozen=True)
class TrainingOutcome:
    """How the run ended: finished, stopped or failed (with the message, and whether to offer the sample)."""

    status: RunStatus
    message: str = ""
    offer_sample: bool = False


def open_run_store(runs_db: str | Path | None = None) -> RunStore:
    """The run store, opened under a process-wide lock: two first opens of a new database racing
    each other would both run its migrations, and the second would fail."""
    from ...runs.store import RunStore

    with _STORE_OPEN_LOCK:
        return RunStore(runs_db)


def tensorboard_logdir(runs_db: str | Path, run_id: int) -> Path:
    """Where a run's TensorBoard scalars go: ``<db folder>/tensorboard/run-N``."""
    return Path(runs_db).parent / TENSORBOARD_FOLDER / f"run-{run_id}"


def yield_cpu_to_the_window() -> None:
    """Lower this thread's priority so the GUI thread gets the CPU first when both want it.

    On Linux ``nice`` is per thread and inherited by the threads it starts, so torch's intra-op
    threads created for this run inherit it too: training keeps every core when the window is
    idle, and the window never waits behind it on a small machine.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):  # not permitted here: training still works at normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)


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


def train_in_window(
    ctx: JobContext,
    cfg: RunConfig,
    runs_db: str | None,
    resume_run_id: int | None,
    pause: threading.Event,
    tensorboard: bool = False,
) -> TrainingOutcome:
    """Train ``cfg`` (or resume run ``resume_run_id``) until finished, stopped (``ctx.stop``) or failed."""
    from ...runs.changes import StoreChanges
    from ...training import engine
    from ...training.checkpoint import load_last_checkpoint, resume_position
    from ...training.estimate import record_estimate

    yield_cpu_to_the_window()
    store: RunStore | None = None
    run_id: int | None = None  # once the run is in the store
    try:
        store = open_run_store(runs_db)
        resume = None
        if resume_run_id is not None:
            run = store.get(resume_run_id)
            resume = load_last_checkpoint(run, "train it again instead")
            store.reopen(run.id, resume_position(resume))
            ctx.progress(PastBatches(store.batch_losses(run.id)))
            recorded = run_id = run.id
        else:
            recorded = run_id = store.create_run(cfg)
            record_estimate(store, recorded, cfg)  # the form's estimate, when it was made
        ctx.progress(RunRecorded(recorded))
        # The recorder writes before the window hears of an event, so a view that re-reads the store
        # on a signal finds the event there.
        callbacks: list[Callback] = [store.recorder(recorded), ctx.progress]
        if tensorboard:
            from ...runs.tensorboard_log import TensorBoardLogger

            callbacks.append(_SkipReplayed(TensorBoardLogger(tensorboard_logdir(store.path, recorded))))
        result = engine.fit(
            cfg,
            callbacks=callbacks,
            stop=ctx.stop,
            pause=pause,
            checkpoint_dir=store.get(recorded).checkpoint_dir,
            resume=resume,
            changes=StoreChanges(store, recorded),  # the window asks through the run history, as for others
        )
    except Exception as exc:  # noqa: BLE001 - every failure must reach the window
        message, offer_sample = failure_message("Training", exc)
        if store is not None and run_id is not None:
            try:
                store.finish(run_id, RunStatus.FAILED, message)
            except Exception as store_exc:  # noqa: BLE001 - the run failed anyway; say both
                message += f" (and the run history could not record it: {store_exc})"
        return TrainingOutcome(RunStatus.FAILED, message, offer_sample)
    if result.status == RunStatus.FINISHED_EARLY:
        from ...training.early_stop import stopped_early

        t = cfg.train
        why = stopped_early(t.early_stop_patience, t.early_stop_min_delta, result.history)
        return TrainingOutcome(result.status, why)
    return TrainingOutcome(result.status)


def ask_run(runs_db: str | Path, run_id: int, setting: str, value: float) -> int:
    """Ask run ``run_id`` for a change through the run history (in a lane's thread); its number."""
    from ...runs.changes import ask_change

    return ask_change(open_run_store(runs_db), run_id, setting, value)
