"""One trial of a sweep: an ordinary run in the run history, tagged with its experiment and trial number.

The engine's callback reports each epoch's test accuracy to Optuna; when the pruner says the trial
trails the others, the run stops before its next epoch and is recorded as "pruned", with a note
saying after which epoch and at what accuracy.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ..runs.comparison import BestLast
from ..runs.status import RunStatus
from ..runs.store import RunStore
from ..settings.config import SPECS
from ..settings.validation import problems_text, validate
from ..training.events import Callback, EpochEnd, Event
from .definition import Param, Sweep, json_params

if TYPE_CHECKING:
    import optuna

# Trial states, as the sweep reports them.
COMPLETE, PRUNED, FAILED, STOPPED = "complete", "pruned", "failed", "stopped"


@dataclass(frozen=True)
class TrialResult:
    """How a trial ended: its run, settings (Optuna's parameters), best test accuracy and its epoch."""

    number: int
    run_id: int | None
    params: dict[str, Any]
    best_test_acc: float | None
    best_epoch: int | None
    state: str
    seconds: float
    message: str = ""
    host: str = field(default_factory=socket.gethostname)

    def to_json(self) -> dict[str, Any]:
        """The JSON line ``resnet-gui sweep --json`` prints for a finished trial."""
        doc = {
            "trial": self.number,
            "run_id": self.run_id,
            "params": json_params(self.params),
            "best_test_acc": self.best_test_acc,
            "best_epoch": self.best_epoch,
            "state": self.state,
            "seconds": round(self.seconds, 3),
        }
        return doc | ({"message": self.message} if self.message else {})


class TrialStop(threading.Event):
    """A trial's stop flag: set by its pruner, or by the sweep's own stop (``parent``)."""

    def __init__(self, parent: threading.Event) -> None:
        super().__init__()
        self.parent = parent

    def is_set(self) -> bool:
        return super().is_set() or self.parent.is_set()


class Pruning:
    """An engine callback: each epoch's test accuracy to the trial; stops the run when the pruner says so."""

    def __init__(self, trial: optuna.Trial, stop: threading.Event, last_epoch: int) -> None:
        self.trial, self.stop, self.last_epoch = trial, stop, last_epoch
        self.pruned_after: EpochEnd | None = None

    def __call__(self, event: Event) -> None:
        if not isinstance(event, EpochEnd):
            return
        if event.test_acc is None:  # an epoch the run does not score (train.test_every)
            return
        self.trial.report(event.test_acc, event.epoch)
        if event.epoch < self.last_epoch and self.trial.should_prune():
            self.pruned_after = event
            self.stop.set()


def suggest(trial: optuna.Trial, params: Sequence[Param]) -> dict[str, Any]:
    """Draw the trial's value of each varied setting (a queued grid point comes back as queued)."""
    out: dict[str, Any] = {}
    for p in params:
        if not p.is_range:
            out[p.key] = trial.suggest_categorical(p.key, p.to_dict()["values"])
        elif SPECS[p.key].kind == "int":
            out[p.key] = trial.suggest_int(p.key, int(p.low or 0), int(p.high or 0), log=p.log)
        else:
            out[p.key] = trial.suggest_float(p.key, float(p.low or 0.0), float(p.high or 0.0), log=p.log)
    return out


def _best(epochs: Sequence[EpochEnd]) -> tuple[float | None, int | None]:
    best = BestLast.of(epochs)  # the first epoch reaching the best
    return (None, None) if best is None else (best.best, best.best_epoch)


def run_trial(
    trial: optuna.Trial,
    sweep: Sweep,
    experiment: str,
    store: RunStore,
    stop: threading.Event,
    callbacks: Sequence[Callback] = (),
) -> TrialResult:
    """Train the trial's run and return how it ended (Optuna is told by the caller)."""
    from ..training.engine import fit

    started = time.monotonic()
    params = suggest(trial, sweep.params)
    trial.set_user_attr("host", socket.gethostname())
    trial.set_user_attr("pid", os.getpid())  # so that a dead worker's trial can be given back
    cfg = sweep.config_for(params)
    problems = validate(cfg)
    if problems:  # e.g. warm-up epochs beyond a drawn number of epochs
        return TrialResult(trial.number, None, params, None, None, FAILED, 0.0, problems_text(problems))
    run_id = store.create_run(cfg, f"{experiment} #{trial.number}")
    store.set_trial(run_id, experiment, trial.number)
    trial.set_user_attr("run_id", run_id)
    trial_stop = TrialStop(stop)
    pruning = Pruning(trial, trial_stop, cfg.train.epochs)
    recorder = store.recorder(run_id)
    checkpoint_dir = store.get(run_id).checkpoint_dir
    try:
        result = fit(cfg, callbacks=[recorder, pruning, *callbacks], stop=trial_stop, checkpoint_dir=checkpoint_dir)
    except UserError as e:
        store.finish(run_id, RunStatus.FAILED, str(e))
        return TrialResult(trial.number, run_id, params, None, None, FAILED, time.monotonic() - started, str(e))
    except Exception as e:  # noqa: BLE001 - one trial's failure is reported and the sweep goes on
        message = f"{type(e).__name__}: {e}"
        store.finish(run_id, RunStatus.FAILED, message)
        return TrialResult(trial.number, run_id, params, None, None, FAILED, time.monotonic() - started, message)
    best, epoch = _best(store.epochs(run_id))
    seconds = time.monotonic() - started
    if result.status != RunStatus.STOPPED:  # finished (or finished early)
        return TrialResult(trial.number, run_id, params, best, epoch, COMPLETE, seconds)
    if pruning.pruned_after is not None and not stop.is_set():
        at = pruning.pruned_after
        note = f"pruned after epoch {at.epoch}: test accuracy {at.test_acc or 0.0:.4f} trailed the other trials'"
        store.finish(run_id, RunStatus.PRUNED, note)
        return TrialResult(trial.number, run_id, params, best, epoch, PRUNED, seconds, note)
    return TrialResult(trial.number, run_id, params, best, epoch, STOPPED, seconds, "the sweep was stopped")
