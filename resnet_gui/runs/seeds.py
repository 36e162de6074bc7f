"""Repeating a run with several seeds, and reading the repeats together.

A repeat is N runs identical but for ``train.seed`` (the run's own seed and the next N-1, or 0, 1, …
when it had none), started as background runs and grouped by one tag, ``seeds:<group>``. Their
curves are aligned by epoch (the epochs every run of the group has reached) and summed up per
epoch as mean, sample standard deviation, minimum and maximum.
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..settings.config import RunConfig

if TYPE_CHECKING:
    from .processes import Launch

GROUP_PREFIX = "seeds:"
MAX_SEEDS = 20


def new_group_tag() -> str:
    """A fresh tag for a group of repeats, e.g. ``seeds:3f9a1c``."""
    return GROUP_PREFIX + uuid.uuid4().hex[:6]


def seed_group(tags: Iterable[str]) -> str:
    """The run's seed-group tag among ``tags`` ("" when it is in none)."""
    return next((t for t in tags if t.startswith(GROUP_PREFIX)), "")


def seed_configs(cfg: RunConfig, n: int) -> list[RunConfig]:
    """``n`` copies of ``cfg`` with seeds ``s, s+1, …`` from its own seed ``s`` (0 when it has none)."""
    if not 1 <= n <= MAX_SEEDS:
        raise ValueError(f"the number of seeds is 1 to {MAX_SEEDS}, not {n}")
    first = cfg.train.seed if cfg.train.seed is not None else 0
    return [replace(cfg, train=replace(cfg.train, seed=first + k)) for k in range(n)]


def launch_seeds(cfg: RunConfig, n: int, db_path: str | Path, name: str) -> tuple[str, list[Launch]]:
    """Start ``n`` background runs of ``cfg`` that differ only in their seed; (their group tag, launches).

    Each is called "``name`` · seed S" and tagged with the group (besides ``cfg``'s tags, if any); they
    split the CPU's cores between them.
    """
    from .processes import launch

    tag = new_group_tag()
    launches = [
        launch(c, db_path, name=f"{name} · seed {c.train.seed}", tags=(tag,), sharing=n) for c in seed_configs(cfg, n)
    ]
    return tag, launches


@dataclass(frozen=True)
class Spread:
    """One metric of a group of runs, per epoch: the epochs all runs reached, and the mean, sample
    standard deviation (0 for one run), minimum and maximum over the runs at each."""

    epochs: tuple[int, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    runs: int

    def band(self, kind: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(lower, upper) edges of the band: ``"minmax"`` or ``"std"`` (mean ± 1 standard deviation)."""
        if kind == "minmax":
            return self.low, self.high
        if kind == "std":
            return (
                tuple(m - s for m, s in zip(self.mean, self.std, strict=True)),
                tuple(m + s for m, s in zip(self.mean, self.std, strict=True)),
            )
        raise ValueError(f"a band is 'minmax' or 'std', not {kind!r}")


def spread(curves: Sequence[Sequence[tuple[int, float]]]) -> Spread:
    """Align ``curves`` of (epoch, value) by epoch and sum them up at the epochs every curve has."""
    by_epoch = [dict(c) for c in curves]
    common = sorted(set.intersection(*(set(c) for c in by_epoch))) if by_epoch else []
    columns = [[c[e] for c in by_epoch] for e in common]
    return Spread(
        epochs=tuple(common),
        mean=tuple(statistics.fmean(v) for v in columns),
        std=tuple(statistics.stdev(v) if len(v) > 1 else 0.0 for v in columns),
        low=tuple(min(v) for v in columns),
        high=tuple(max(v) for v in columns),
        runs=len(curves),
    )


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """(mean, sample standard deviation) of ``values``; the deviation is 0 for one value, NaN for none."""
    if not values:
        return math.nan, math.nan
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0
