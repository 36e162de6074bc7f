"""Two recorded runs' mistakes: each run's trained model (best checkpoint, else last) scored on its test
set, checked to be the same test images, and compared (used by the Runs tab and ``runs compare-mistakes``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..errors import Cancelled, UserError
from ..runs.store import RunRecord
from .compare import MistakeComparison, comparable_data, same_test_images


@dataclass(frozen=True)
class ComparedRun:
    """One side of a comparison as the views and the CLI name it."""

    id: int
    name: str
    checkpoint: str
    epoch: int  # epochs completed when the checkpoint was written

    @property
    def label(self) -> str:
        """ "run 3 (resnet 1,1 · sample)"."""
        return f"run {self.id} ({self.name})"


@dataclass(frozen=True)
class RunsMistakes:
    """Run A, run B and their comparison (B minus A)."""

    a: ComparedRun
    b: ComparedRun
    comparison: MistakeComparison

    def swapped(self) -> RunsMistakes:
        """B as the reference."""
        return RunsMistakes(self.b, self.a, self.comparison.swapped())


def check_comparable(a: RunRecord, b: RunRecord) -> None:
    """Raise UserError when the two runs cannot be compared: the same run, no trained model, other test data."""
    if a.id == b.id:
        raise UserError(f"Choose two different runs to compare (both are run {a.id}).")
    for run in (a, b):
        if not run.trained_checkpoint:
            gone = " (its checkpoint files are gone)" if run.best_checkpoint or run.last_checkpoint else ""
            raise UserError(
                f"Run {run.id} ({run.name}) has no trained model{gone}: train it for at least one epoch to compare it."
            )
    comparable_data(a.config.data, b.config.data, f"run {a.id}", f"run {b.id}")


def compare_runs(a: RunRecord, b: RunRecord, device: str = "auto", stop: threading.Event | None = None) -> RunsMistakes:
    """Score both runs' trained models on their test set and compare their answers (B minus A).

    Raises UserError saying why when they cannot be compared, Cancelled when ``stop`` is set.
    """
    from .predictions import checkpoint_predictions

    check_comparable(a, b)
    answers = []
    for run in (a, b):
        if stop is not None and stop.is_set():
            raise Cancelled("Comparing the runs' mistakes was cancelled.")
        answers.append(checkpoint_predictions(run.trained_checkpoint, device=device, stop=stop))
    if stop is not None and stop.is_set():
        raise Cancelled("Comparing the runs' mistakes was cancelled.")
    pa, pb = answers
    same_test_images(pa, pb, f"run {a.id}", f"run {b.id}")
    sides = [ComparedRun(r.id, r.name, r.trained_checkpoint, p.epoch) for r, p in ((a, pa), (b, pb))]
    return RunsMistakes(sides[0], sides[1], MistakeComparison.of(pa, pb))
