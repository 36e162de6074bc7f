"""Several checkpoints scored as one ensemble: their class probabilities averaged, image by image.

Networks trained from different seeds make different mistakes, so the average of their answers is
right more often than any one of them (two fast-cpu networks of 0.9454 and 0.9486 score 0.9513
together; docs/benchmarks.md, "The 0.95 sweep"). Each member is scored as its run scored its last
epoch (test-time flips and shifts) unless the views are given.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import Cancelled, UserError
from ..runs.store import RunRecord
from ..settings.config import DataConfig
from ..training.events import EpochPredictions
from .compare_runs import ComparedRun, check_comparable
from .predictions import Evaluation, checkpoint_predictions


@dataclass(frozen=True)
class Member:
    """One network of an ensemble and how it scored alone."""

    checkpoint: str
    accuracy: float
    views: int
    epoch: int = 0  # epochs completed when the checkpoint was written

    def to_dict(self) -> dict[str, object]:
        """As ``resnet-gui eval --json`` lists it under "members"."""
        return {"checkpoint": self.checkpoint, "test_acc": self.accuracy, "views": self.views}


def ensemble_predictions(
    paths: Sequence[str | Path],
    data_cfg: DataConfig | None = None,
    device: str = "auto",
    stop: threading.Event | None = None,
    views: tuple[bool | None, bool | None] = (None, None),
) -> tuple[EpochPredictions, list[Member]]:
    """The members' averaged answers on one test set, and each member's own accuracy.

    Raises UserError when the checkpoints answer different questions: other test sets (give one data
    set for all) or other classes.
    """
    if not paths:
        raise UserError("An ensemble needs at least one checkpoint.")
    scored = []
    for path in paths:
        if stop is not None and stop.is_set():
            raise Cancelled("Scoring the networks together was cancelled.")
        scored.append(checkpoint_predictions(path, data_cfg, device, stop, views))
    first = scored[0]
    for path, other in zip(paths[1:], scored[1:], strict=True):
        _check_same_test(first, other, str(paths[0]), str(path))
    probs = np.stack([s.probs for s in scored]).mean(axis=0, dtype=np.float64).astype(np.float32)
    members = [Member(str(path), s.accuracy, s.views, s.epoch) for path, s in zip(paths, scored, strict=True)]
    averaged = replace(first, probs=probs, predicted=probs.argmax(axis=1), views=sum(m.views for m in members))
    return averaged, members


def _check_same_test(a: EpochPredictions, b: EpochPredictions, path_a: str, path_b: str) -> None:
    if len(a.class_names) != len(b.class_names):
        raise UserError(
            f"{Path(path_b).name} predicts {len(b.class_names)} classes and {Path(path_a).name} "
            f"{len(a.class_names)}: an ensemble's networks must answer the same classes."
        )
    if len(a.labels) != len(b.labels) or not np.array_equal(a.labels, b.labels):
        raise UserError(
            f"{path_a} and {path_b} were scored on different test sets ({len(a.labels):,} and {len(b.labels):,} "
            "images): give --data (and --data-root) to score every network on the same one."
        )


@dataclass(frozen=True)
class EnsembleEvaluation(Evaluation):
    """An ensemble scored on a test set: ``views`` counts every member's views of an image."""

    members: tuple[Member, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """``resnet-gui eval --json`` of several checkpoints: the ensemble's scores, then each member's."""
        return {**super().to_dict(), "members": [m.to_dict() for m in self.members]}


def evaluate_ensemble(
    paths: Sequence[str | Path],
    data_cfg: DataConfig | None = None,
    device: str = "auto",
    views: tuple[bool | None, bool | None] = (None, None),
) -> EnsembleEvaluation:
    """Score the checkpoints' averaged answers: accuracy, confusion counts, and each member's accuracy."""
    result, members = ensemble_predictions(paths, data_cfg, device, views=views)
    return EnsembleEvaluation(
        result.accuracy, result.confusion(), result.class_names, len(result.labels), result.views, tuple(members)
    )


@dataclass(frozen=True)
class RunsEnsemble:
    """Recorded runs scored together (used by the Runs tab): each run's network alone, and their average."""

    runs: tuple[ComparedRun, ...]
    members: tuple[Member, ...]
    accuracy: float
    images: int

    def best_alone(self) -> tuple[ComparedRun, Member]:
        """The run whose network scored best alone, with its score."""
        return max(zip(self.runs, self.members, strict=True), key=lambda pair: pair[1].accuracy)

    def gain(self) -> float:
        """The ensemble's accuracy minus the best member's."""
        return self.accuracy - self.best_alone()[1].accuracy


def ensemble_of_runs(
    runs: Sequence[RunRecord], device: str = "auto", stop: threading.Event | None = None
) -> RunsEnsemble:
    """Score the runs' trained models (best checkpoint, else last) together on their test set.

    Raises UserError saying why when they cannot be (fewer than two, no trained model, other test
    data, other classes), Cancelled when ``stop`` is set.
    """
    if len({r.id for r in runs}) < 2:
        raise UserError("Select at least two different trained runs to score together.")
    for run in runs[1:]:
        check_comparable(runs[0], run)
    result, members = ensemble_predictions([r.trained_checkpoint for r in runs], device=device, stop=stop)
    if stop is not None and stop.is_set():
        raise Cancelled("Scoring the runs together was cancelled.")
    sides = tuple(ComparedRun(r.id, r.name, r.trained_checkpoint, m.epoch) for r, m in zip(runs, members, strict=True))
    return RunsEnsemble(sides, tuple(members), result.accuracy, len(result.labels))
