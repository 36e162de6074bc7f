"""Learning-rate schedules as per-step multipliers of the base rate, with linear warm-up.

Kept rather than torch's schedulers (tests/core/test_schedules.py compares them step by step):
constant and cosine equal LinearLR and SequentialLR(LinearLR, CosineAnnealingLR) only to within
rounding (torch's recursive form differs in the last bit on most steps), and OneCycleLR is not our
onecycle: it starts at exactly 1/25, peaks one step earlier and anneals to initial/final_div_factor
(cosine unless told "linear") while cycling the momentum, and it fails with a one-step warm-up.
One LambdaLR for all three also keeps the learning rates, and the scheduler state that checkpoints
hold for resuming, as they were.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import SupportsFloat


def lr_factor(schedule: str, total_steps: int, warmup_steps: int) -> Callable[[int], float]:
    """A function of the step (0-based) giving the factor applied to the base learning rate.

    constant: 1 after warm-up. cosine: half a cosine down to 0 after warm-up. onecycle: up from
    1/25 to 1 over the warm-up (30 % of the run when none is set), then linearly down to 0.
    """
    total = max(1, total_steps)
    if schedule == "onecycle" and warmup_steps == 0:
        warmup_steps = max(1, int(0.3 * total))
    warm = max(0, min(warmup_steps, total))

    def factor(step: int) -> float:
        if step < warm:
            start = 1 / 25 if schedule == "onecycle" else 0.0
            return start + (1 - start) * (step + 1) / warm
        if schedule == "constant":
            return 1.0
        progress = (step - warm) / max(1, total - warm)
        if schedule == "cosine":
            return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        return max(0.0, 1 - progress)

    return factor


def rate_ratios(base_lrs: Sequence[SupportsFloat]) -> list[float]:
    """Each parameter group's base rate against the first group's (the learning rate): all 1, but with muon the
    filters' group keeps ``train.muon_lr`` to ``train.lr``, so a new learning rate scales it in proportion."""
    return [float(base) / float(base_lrs[0]) for base in base_lrs]
