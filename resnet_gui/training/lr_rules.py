"""Reading a learning-rate range test's curve: smoothing the losses and the rules that suggest a rate.

Both rules read the smoothed losses with the ends trimmed as fastai trims them (the first tenth,
where the rate is too small to change anything, and the last few points, where it blows up):

* **steepest**: where the smoothed loss falls fastest against log(lr) on its way down to its lowest
  point (fastai's ``steep``, which reads the whole curve: a fall after a spike past the lowest point,
  where training is already breaking down, could win there);
* **valley**: the longest descending stretch of the curve, and a point inside it (fastai's
  ``valley``, its default since 2021).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

STEEPEST = "steepest"
VALLEY = "valley"
RULES = (VALLEY, STEEPEST)
# The valley rule is the primary: the steepest point of a short, noisy curve jumps between runs
# (one noisy dip decides it), while the valley rule looks at the whole descent; fastai made it
# its default for that reason, after users found the steepest-descent suggestion unreliable.
PRIMARY_RULE = VALLEY
RULE_DESCRIPTIONS = {
    VALLEY: "valley: halfway down the longest descending stretch of the smoothed loss",
    STEEPEST: "steepest: where the smoothed loss falls fastest against log(lr), before its lowest point",
}
VALLEY_FRACTION = 0.5  # how far into the descending stretch the valley rule picks
MIN_POINTS = 3  # fewer points left after trimming suggest nothing


def smoothing_beta(steps: int) -> float:
    """The EMA's weight of the past for a test of ``steps`` batches.

    fastai's fixed 0.98 lags about 50 batches behind, half of its 100; this lags about a tenth of
    the test (0.9 for 100 batches), so a short test's smoothed curve is not shifted to larger rates.
    """
    return float(min(0.98, max(0.5, 1.0 - 10.0 / max(steps, 1))))


class Smoother:
    """The debiased exponential moving average of the losses added so far (no lean toward 0 at the start)."""

    def __init__(self, beta: float) -> None:
        self.beta, self._avg, self._count = beta, 0.0, 0

    def add(self, loss: float) -> float:
        """Take one more loss; the smoothed value up to it."""
        self._count += 1
        self._avg = self.beta * self._avg + (1.0 - self.beta) * loss
        return self._avg / (1.0 - self.beta**self._count)


def smooth(losses: Sequence[float], beta: float) -> list[float]:
    """The debiased exponential moving average of ``losses``, point by point."""
    smoother = Smoother(beta)
    return [smoother.add(loss) for loss in losses]


def trimmed(lrs: Sequence[float], smoothed: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The part of the curve the rules read: without the first tenth and the last twentieth (at least one)."""
    n = len(lrs)
    start, end = n // 10, n - max(1, n // 20)
    return np.asarray(lrs[start:end], dtype=float), np.asarray(smoothed[start:end], dtype=float)


def steepest(lrs: np.ndarray, losses: np.ndarray) -> float | None:
    """The rate where ``losses`` falls fastest against log(lr) before its lowest point (the left end of the
    steepest segment); None when the lowest point is the first, so that nothing falls."""
    lowest = int(np.argmin(losses))
    if lowest == 0:
        return None
    slopes = np.diff(losses[: lowest + 1]) / np.diff(np.log(lrs[: lowest + 1]))
    return float(lrs[int(np.argmin(slopes))])


def valley(lrs: np.ndarray, losses: np.ndarray) -> float:
    """The rate halfway into the longest descending stretch of ``losses``.

    The stretch is the longest (not necessarily contiguous) decreasing sequence of points, taken
    from its first point to its last, as fastai takes it; fastai's pick lands about halfway
    (start + len/3 + len/6, though its documentation says "about 2/3").
    """
    n = len(losses)
    longest = np.ones(n, dtype=int)  # length of the longest decreasing sequence ending at each point
    for i in range(1, n):
        before = longest[:i][losses[:i] > losses[i]]
        if before.size:
            longest[i] = before.max() + 1
    end = int(np.argmax(longest))
    start = end - int(longest[end]) + 1
    return float(lrs[start + round((end - start) * VALLEY_FRACTION)])


def suggest(lrs: Sequence[float], smoothed: Sequence[float]) -> dict[str, float]:
    """Each rule's suggested rate for the curve, by rule name (empty when too few points remain)."""
    x, y = trimmed(lrs, smoothed)
    if len(x) < MIN_POINTS:
        return {}
    steep = steepest(x, y)
    return {VALLEY: valley(x, y)} | ({STEEPEST: steep} if steep is not None else {})
