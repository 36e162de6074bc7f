"""A sweep worker: takes trials from a study one after another until the sweep's budget is spent.

Several workers (processes, machines) may share a study. Each trial runs once: a grid's points are
queued in the study and workers take them one at a time (``study_lock``: a file lock for SQLite, an
advisory lock for PostgreSQL). A trial that would repeat a grid point already run, or go past the
budget (possible on other database servers), is skipped: told to Optuna as failed with the user
attribute ``skipped`` saying why, and left out of the results.
"""

from __future__ import annotations

import functools
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..runs.processes import process_alive
from ..runs.store import RunStore
from ..training.events import Callback
from .study import OpenStudy, StudyError, first_line
from .study_lock import study_lock
from .trial import COMPLETE, PRUNED, STOPPED, TrialResult, run_trial

if TYPE_CHECKING:
    import optuna

SKIPPED = "skipped"  # user attribute of a trial that was not run, saying why
ABANDONED = "its worker ended without finishing it"
STORAGE_RETRIES = 8


def _retry(action: Callable[[], Any]) -> Any:
    """Run a storage action again when another worker held the database (SQLite says "locked")."""
    import optuna

    for attempt in range(STORAGE_RETRIES):
        try:
            return action()
        except optuna.exceptions.StorageInternalError as e:
            if attempt == STORAGE_RETRIES - 1:
                raise StudyError(f"Lost the experiment storage: {first_line(e)}") from None
            time.sleep(0.2 + random.random() * 0.5)
    return None


def _counted(t: optuna.trial.FrozenTrial) -> bool:
    """A trial that counts against the budget: run or running, not skipped."""
    from optuna.trial import TrialState

    return t.state != TrialState.WAITING and SKIPPED not in t.user_attrs


def _skip_reason(study: optuna.Study, trial: optuna.Trial, opened: OpenStudy) -> str:
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    mine = next(t for t in trials if t.number == trial.number)
    budget = opened.sweep.budget
    if budget is not None and sum(_counted(t) for t in trials if t.number < trial.number) >= budget:
        return f"the sweep's {budget} trials are taken"
    if opened.sweep.strategy != "grid":
        return ""
    fixed = mine.system_attrs.get("fixed_params")
    if fixed is None:
        return "every grid point is taken"
    live = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
    for t in trials:
        same = t.number != trial.number and t.system_attrs.get("fixed_params") == fixed and _counted(t)
        if same and t.state in live and (t.state != TrialState.RUNNING or t.number < trial.number):
            return f"trial {t.number} runs the same grid point"
    return ""


def release_abandoned(opened: OpenStudy) -> list[int]:
    """Give back the trials this machine's workers left running when they died (killed, power cut).

    Each is told as failed and skipped (``ABANDONED``); a grid point is
    queued again. Returns their numbers. Trials of other machines are theirs to judge.
    """
    from optuna.trial import TrialState

    here, released = socket.gethostname(), []
    for t in opened.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        pid = t.user_attrs.get("pid")
        if t.user_attrs.get("host") != here or not isinstance(pid, int) or process_alive(pid):
            continue
        # Optuna offers no public way to set another process's trial's attribute: its storage does it.
        storage = opened.study._storage
        _retry(functools.partial(storage.set_trial_user_attr, t._trial_id, SKIPPED, ABANDONED))
        _retry(functools.partial(opened.study.tell, t.number, state=TrialState.FAIL))
        if opened.sweep.strategy == "grid":
            _retry(functools.partial(opened.study.enqueue_trial, t.system_attrs.get("fixed_params", t.params)))
        released.append(t.number)
    return released


def _ask(opened: OpenStudy) -> tuple[optuna.Trial | None, str]:
    """The next trial and "" , or (None, why there is none): the budget is spent, the grid is taken."""
    from optuna.trial import TrialState

    study = opened.study
    with study_lock(opened.storage, opened.name):
        release_abandoned(opened)
        trials = _retry(lambda: study.get_trials(deepcopy=False))
        budget = opened.sweep.budget
        if budget is not None and sum(_counted(t) for t in trials) >= budget:
            return None, "the budget is spent"
        if opened.sweep.strategy == "grid" and not any(t.state == TrialState.WAITING for t in trials):
            return None, "every grid point is taken"
        trial = _retry(study.ask)
    reason = _retry(lambda: _skip_reason(study, trial, opened))
    if reason:
        trial.set_user_attr(SKIPPED, reason)
        _retry(lambda: study.tell(trial, state=TrialState.FAIL))
        return None, reason
    return trial, ""


def _tell(opened: OpenStudy, trial: optuna.Trial, result: TrialResult) -> None:
    from optuna.trial import TrialState

    study = opened.study
    attrs: dict[str, Any] = {"best_epoch": result.best_epoch, "seconds": result.seconds, "message": result.message}
    for key, value in attrs.items():
        _retry(functools.partial(trial.set_user_attr, key, value))
    if result.state == COMPLETE and result.best_test_acc is not None:
        _retry(lambda: study.tell(trial, result.best_test_acc))
    elif result.state == PRUNED:
        _retry(lambda: study.tell(trial, state=TrialState.PRUNED))
    else:
        if result.state == STOPPED:  # not counted: a later worker runs it (a grid point) or another again
            _retry(lambda: trial.set_user_attr(SKIPPED, "the sweep was stopped during it"))
            if opened.sweep.strategy == "grid":
                _retry(lambda: study.enqueue_trial(result.params))
        _retry(lambda: study.tell(trial, state=TrialState.FAIL))


def trials_of(
    opened: OpenStudy,
    store: RunStore,
    stop: threading.Event | None = None,
    stop_after_trial: threading.Event | None = None,
    limit: int | None = None,
    callbacks: Sequence[Callback] = (),
) -> Iterator[TrialResult]:
    """Run the study's trials one by one, yielding each as it ends.

    Ends when the budget is spent (or the grid taken), after ``timeout_s`` of the sweep, after
    ``limit`` trials of this worker, when ``stop_after_trial`` is set (after the current trial), or
    when ``stop`` is set (the current run stops after its batch; a grid point is queued again).
    """
    stop = stop or threading.Event()
    stop_after_trial = stop_after_trial or threading.Event()
    timeout = opened.sweep.timeout_s
    deadline = time.monotonic() + timeout if timeout else None
    done = 0
    while not stop.is_set() and not stop_after_trial.is_set():
        if (limit is not None and done >= limit) or (deadline is not None and time.monotonic() >= deadline):
            return
        trial, _why = _ask(opened)
        if trial is None:
            return
        result = run_trial(trial, opened.sweep, opened.name, store, stop, callbacks)
        _tell(opened, trial, result)
        done += 1
        yield result


def run_sweep(opened: OpenStudy, store: RunStore, **kwargs: Any) -> list[TrialResult]:
    """Every trial this worker runs (``trials_of``'s keywords), once all have ended."""
    return list(trials_of(opened, store, **kwargs))
