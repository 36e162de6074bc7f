"""Early stopping: end a run once its test accuracy has stopped getting better.

An epoch is better when its test accuracy beats the best so far by more than ``min_delta``; the
run stops after ``patience`` epochs in a row that are not. Epochs without a test score (see
``train.test_every``) do not count. The rule reads only the epochs' test accuracies, so a resumed
run rebuilds it from its history and stops where it would have.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass
class EarlyStopping:
    """The rule's state: the best test accuracy that counted and the epoch it came in (``patience`` 0: off)."""

    patience: int
    min_delta: float = 0.0
    best: float | None = None
    best_epoch: int = 0
    epochs_seen: int = 0

    def update(self, test_acc: float | None) -> bool:
        """Take the next epoch's test accuracy (None: not scored); True when the run should stop after it."""
        if test_acc is None:
            return False
        self.epochs_seen += 1
        if self.best is None or test_acc > self.best + self.min_delta:
            self.best, self.best_epoch = test_acc, self.epochs_seen
        return self.triggered

    @property
    def triggered(self) -> bool:
        """True once ``patience`` epochs in a row have not been better (never when off)."""
        return self.patience > 0 and self.epochs_seen - self.best_epoch >= self.patience

    def replay(self, test_accs: Iterable[float | None]) -> bool:
        """Take several epochs' accuracies in order (a resumed run's history); True when the last triggers."""
        stop = False
        for acc in test_accs:
            stop = self.update(acc)
        return stop


def best_epoch(test_accs: list[float | None]) -> int:
    """The epoch (from 1) whose checkpoint ``best.pt`` holds: the highest test accuracy, the latest on a
    tie; 0 when no epoch was scored."""
    scored = [acc for acc in test_accs if acc is not None]
    if not scored:
        return 0
    top = max(scored)
    return max(i for i, acc in enumerate(test_accs, start=1) if acc == top)


def stopped_early(patience: int, min_delta: float, history: list[Any]) -> str:
    """Why a run ended early, naming the epoch kept: "no better test accuracy for 3 epochs; best epoch 4 (...) kept"."""
    accs = [e.test_acc for e in history]
    best = best_epoch(accs)
    gain = f" by more than {min_delta:g}" if min_delta else ""
    plural = "s" if patience != 1 else ""
    kept = f"best epoch {best} (test accuracy {accs[best - 1] or 0.0:.4f}) kept" if best else "no epoch to keep"
    return f"no better test accuracy{gain} for {patience} epoch{plural}; {kept}"
