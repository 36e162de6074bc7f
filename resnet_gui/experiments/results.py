"""A sweep's results as plain data: one row per trial, the best trial, and each setting's importance.

Read from the study's storage alone (any machine's trials), so the window and the CLI can show a
sweep that other processes or machines run. A trial's run id is in the run history of the machine
(``host``) that ran it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import UserError
from .definition import from_trial_value
from .study import OpenStudy
from .worker import SKIPPED

STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "RUNNING": "running", "FAIL": "failed", "WAITING": "waiting"}


@dataclass(frozen=True)
class TrialRow:
    """One trial: its settings, run, best test accuracy and the epoch it came at, duration and state."""

    number: int
    state: str  # complete, pruned, running, failed, waiting
    params: dict[str, Any]  # by dotted setting name, as the settings hold them (blocks as a tuple)
    run_id: int | None
    host: str
    best_test_acc: float | None
    best_epoch: int | None
    seconds: float | None
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """As ``resnet-gui sweep --json`` prints a trial."""
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()}
        return {
            "trial": self.number,
            "run_id": self.run_id,
            "params": params,
            "best_test_acc": self.best_test_acc,
            "best_epoch": self.best_epoch,
            "state": self.state,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
        }


def _row(t: Any) -> TrialRow:
    params = {k: from_trial_value(k, v) for k, v in (t.params or t.system_attrs.get("fixed_params", {})).items()}
    seconds = t.user_attrs.get("seconds")
    if seconds is None and t.datetime_start is not None and t.datetime_complete is not None:
        seconds = (t.datetime_complete - t.datetime_start).total_seconds()
    best = t.value if t.value is not None else None
    if best is None and t.intermediate_values:  # pruned: the best epoch it reached
        best = max(t.intermediate_values.values())
    return TrialRow(
        t.number,
        STATES.get(t.state.name, t.state.name.lower()),
        params,
        t.user_attrs.get("run_id"),
        t.user_attrs.get("host", ""),
        best,
        t.user_attrs.get("best_epoch"),
        seconds,
        t.user_attrs.get("message", ""),
    )


def trial_rows(opened: OpenStudy) -> list[TrialRow]:
    """The study's trials by number (queued grid points as "waiting"; skipped ones left out)."""
    return [_row(t) for t in opened.study.get_trials(deepcopy=False) if SKIPPED not in t.user_attrs]


def best_row(rows: list[TrialRow]) -> TrialRow | None:
    """The complete trial with the best test accuracy (the earlier on a tie), else None."""
    done = [r for r in rows if r.state == "complete" and r.best_test_acc is not None]
    return max(done, key=lambda r: (r.best_test_acc, -r.number)) if done else None


def importances(opened: OpenStudy) -> dict[str, float]:
    """Each varied setting's share of the variance in best test accuracy (Optuna's fANOVA), largest first.

    UserError when fewer than two trials are complete. A setting with one value so far is left out.
    """
    import optuna
    from optuna.importance import FanovaImportanceEvaluator

    complete = [t for t in opened.study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE]
    if len(complete) < 2:
        raise UserError(f"Importances need at least 2 complete trials; {opened.name!r} has {len(complete)}.")
    try:
        found = optuna.importance.get_param_importances(
            opened.study, evaluator=FanovaImportanceEvaluator(seed=0), normalize=True
        )
    except (RuntimeError, ValueError) as e:  # e.g. every trial drew the same values
        raise UserError(f"Cannot compute importances for {opened.name!r}: {e}") from None
    return {k: float(v) for k, v in found.items()}
