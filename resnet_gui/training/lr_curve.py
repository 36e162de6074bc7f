"""What the learning-rate range test reports (plain numbers, no torch: the window imports it early), and its limits."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from .lr_rules import PRIMARY_RULE

DEFAULT_START_LR = 1e-7
DEFAULT_END_LR = 10.0
MAX_STEPS = 100  # fastai's default length
MIN_STEPS = 6  # as fastai: fewer batches make no curve
# Left to choose itself, the test runs as many batches as fit in this long (timed on its first
# batch), so it ends within a minute with the setup: the seed's network at batch 256 takes seconds a
# batch on a 2-core CPU, where 100 batches would take minutes.
TIME_BUDGET_S = 45.0
DIVERGED = 4.0  # the smoothed loss this many times its minimum ends the test


@dataclass(frozen=True)
class LrFindStep:
    """One batch of the test, for a progress display: plain numbers."""

    step: int  # from 1
    steps: int
    lr: float
    loss: float
    smoothed: float


@dataclass(frozen=True)
class LrFindResult:
    """The curve, each rule's suggestion and the primary one, and how the test went."""

    lrs: tuple[float, ...]
    losses: tuple[float, ...]
    smoothed: tuple[float, ...]
    suggestions: dict[str, float] = field(default_factory=dict)
    steps: int = 0  # asked for
    diverged: bool = False  # ended early: the loss blew up
    stopped: bool = False  # ended early: asked to stop
    device: str = ""
    precision: str = ""
    batch_size: int = 0
    seconds: float = 0.0

    @property
    def rule(self) -> str:
        """The rule whose suggestion is ``suggested_lr`` ("" when there is none)."""
        return PRIMARY_RULE if PRIMARY_RULE in self.suggestions else ""

    @property
    def suggested_lr(self) -> float | None:
        """The primary rule's suggestion, or None when the curve was too short to read."""
        return self.suggestions.get(PRIMARY_RULE)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON: suggested_lr, rule, suggestions, lrs, losses and the rest."""
        return {
            "suggested_lr": self.suggested_lr,
            "rule": self.rule,
            "suggestions": dict(self.suggestions),
            "lrs": list(self.lrs),
            "losses": list(self.losses),
            "smoothed": list(self.smoothed),
            "steps": self.steps,
            "diverged": self.diverged,
            "stopped": self.stopped,
            "device": self.device,
            "precision": self.precision,
            "batch_size": self.batch_size,
            "seconds": round(self.seconds, 2),
        }


def auto_steps(first_batch_s: float, budget_s: float = TIME_BUDGET_S) -> int:
    """How many batches fit in ``budget_s`` when one took ``first_batch_s`` (from MIN_STEPS to MAX_STEPS)."""
    fit = int(budget_s / max(first_batch_s, 1e-6))
    return max(MIN_STEPS, min(MAX_STEPS, fit))


def check_range(start_lr: float, end_lr: float, steps: int | None) -> None:
    """ConfigError naming the value when the test's range or length cannot make a curve."""
    if not (math.isfinite(start_lr) and start_lr > 0):
        raise ConfigError(f"The start rate {start_lr} must be a positive number, e.g. 1e-7.")
    if not (math.isfinite(end_lr) and end_lr > start_lr):
        raise ConfigError(f"The end rate {end_lr} must be larger than the start rate {start_lr}, e.g. 10.")
    if steps is not None and steps < MIN_STEPS:
        raise ConfigError(f"{steps} steps are too few to draw a curve; use at least {MIN_STEPS}.")
