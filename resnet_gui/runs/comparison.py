"""Runs compared honestly: what each curve of a comparison is called, what it sums up, and which runs
it stands for.

A comparison draws one entry per selected run, except that the selected runs of one seed group
(``seeds.seed_group``) become one entry drawn as their mean with a band. An entry's legend names the
settings that differ between the entries, by their labels from the settings' descriptions ("run 3 ·
learning rate 0.01, batch size 128"); its summary puts the best test accuracy and its epoch beside
the last ("best 0.912 @ 7 · last 0.905"), as mean ± std for a group.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..settings.config import SPECS, RunConfig
from ..settings.differences import config_differences
from ..settings.fields import format_value
from ..training.events import EpochEnd
from .describe import run_name
from .seeds import Spread, mean_std, seed_group, spread
from .store import RunRecord

MAX_NAMED = 3  # differing settings named in a legend; the rest are counted
METRICS = ("loss", "train_acc", "test_acc", "test_loss")


def short_name(run: RunRecord) -> str:
    """The run's name when the user gave it one, else "run N" (the legend names its settings)."""
    auto = run.name == run_name(run.config) or re.fullmatch(r"(run \d+|.* · seed -?\d+)", run.name)
    return f"run {run.id}" if auto else run.name


def setting_text(key: str, value: object) -> str:
    """ "learning rate 0.01": a setting by its label, lower-cased, and its value as the form shows it."""
    spec = SPECS.get(key)
    label = spec.label if spec is not None else key
    label = label[:1].lower() + label[1:] if not label[1:2].isupper() else label
    shown = format_value(tuple(value) if isinstance(value, list) else value)
    if spec is not None and spec.choice_labels:
        shown = spec.choice_label(value)
    return f"{label} {shown or '—'}"


def differing_texts(configs: Sequence[RunConfig], leave_out: tuple[str, ...] = ()) -> list[str]:
    """One text per config naming its values of the settings that differ between ``configs``
    (at most ``MAX_NAMED``, then "+N more"); "" for each when they agree or there is one."""
    if len(configs) < 2:
        return [""] * len(configs)
    diffs = {k: v for k, v in config_differences(list(configs)).items() if k not in leave_out}
    keys = list(diffs)
    texts = []
    for i in range(len(configs)):
        parts = [setting_text(k, diffs[k][i]) for k in keys[:MAX_NAMED]]
        if len(keys) > MAX_NAMED:
            parts.append(f"+{len(keys) - MAX_NAMED} more")
        texts.append(", ".join(parts))
    return texts


@dataclass(frozen=True)
class BestLast:
    """A run's best test accuracy, the epoch it came at, and its last scored epoch's."""

    best: float
    best_epoch: int
    last: float

    @classmethod
    def of(cls, epochs: Sequence[EpochEnd]) -> BestLast | None:
        """From a run's epochs (None before its first scored one)."""
        scored = [(e.test_acc, e.epoch) for e in epochs if e.test_acc is not None]
        if not scored:
            return None
        top = max(scored, key=lambda s: (s[0], -s[1]))
        return cls(top[0], top[1], scored[-1][0])


def best_text(scores: Sequence[BestLast]) -> str:
    """ "0.912 @ 7" for one run, "0.912 ± 0.004" (mean ± std) for several, "—" for none."""
    if len(scores) == 1:
        return f"{scores[0].best:.3f} @ {scores[0].best_epoch}"
    return _mean_std_text([s.best for s in scores])


def last_text(scores: Sequence[BestLast]) -> str:
    """ "0.905" for one run, "0.905 ± 0.003" (mean ± std) for several, "—" for none."""
    if len(scores) == 1:
        return f"{scores[0].last:.3f}"
    return _mean_std_text([s.last for s in scores])


def _mean_std_text(values: Sequence[float]) -> str:
    if not values:
        return "—"
    mean, std = mean_std(values)
    return f"{mean:.3f} ± {std:.3f}"


def best_last_text(scores: Sequence[BestLast]) -> str:
    """ "best 0.912 @ 7 · last 0.905" for one run; "best 0.912 ± 0.004 · last 0.905 ± 0.003" for several."""
    if not scores:
        return "no epochs yet"
    return f"best {best_text(scores)} · last {last_text(scores)}"


@dataclass(frozen=True)
class Entry:
    """One thing a comparison draws: a run, or the selected runs of a seed group."""

    runs: tuple[RunRecord, ...]
    epochs: tuple[tuple[EpochEnd, ...], ...]  # per run, in the order of ``runs``
    name: str  # "run 3", "baseline" or "seeds:3f9a1c (3 runs)"
    differences: str = ""  # "learning rate 0.01, batch size 128"

    @property
    def group(self) -> bool:
        """True for a seed group drawn as a mean and a band."""
        return len(self.runs) > 1

    @property
    def color_run(self) -> RunRecord:
        """The run whose colour the entry takes (a group's first recorded, whatever the order shown)."""
        return min(self.runs, key=lambda r: r.id)

    @property
    def label(self) -> str:
        """The legend's text: the name, then the settings that differ."""
        return f"{self.name} · {self.differences}" if self.differences else self.name

    def curve(self, metric: str) -> Spread:
        """``metric`` (an EpochEnd field) per epoch, over the entry's runs (one run: std 0, low = high = mean)."""
        return spread(
            [
                [(e.epoch, float(v)) for e in epochs if (v := getattr(e, metric)) is not None and not math.isnan(v)]
                for epochs in self.epochs
            ]
        )

    def scores(self) -> list[BestLast]:
        """Best and last test accuracy of each of its runs that finished an epoch."""
        return [s for epochs in self.epochs if (s := BestLast.of(epochs)) is not None]

    def summary(self) -> str:
        """Best (and its epoch) beside the last; mean ± std over a group's runs."""
        return best_last_text(self.scores())


def entries(
    runs: Sequence[RunRecord], epochs: Mapping[int, Sequence[EpochEnd]], group_seeds: bool = True
) -> list[Entry]:
    """The entries of a comparison of ``runs`` (in their order), with ``epochs`` by run id.

    With ``group_seeds``, two or more runs of one seed group make one entry (at the place of its first).
    """
    groups: dict[str, list[RunRecord]] = {}
    for run in runs:
        groups.setdefault(seed_group(run.tags) if group_seeds else "", []).append(run)
    members: list[tuple[RunRecord, ...]] = []
    seen: set[str] = set()
    for run in runs:
        tag = seed_group(run.tags) if group_seeds else ""
        if tag and len(groups[tag]) > 1:
            if tag not in seen:
                seen.add(tag)
                members.append(tuple(groups[tag]))
        else:
            members.append((run,))
    any_group = any(len(m) > 1 for m in members)
    texts = differing_texts([m[0].config for m in members], ("train.seed",) if any_group else ())
    result = []
    for group, text in zip(members, texts, strict=True):
        name = f"{seed_group(group[0].tags)} ({len(group)} runs)" if len(group) > 1 else short_name(group[0])
        result.append(Entry(group, tuple(tuple(epochs.get(r.id, ())) for r in group), name, text))
    return result
