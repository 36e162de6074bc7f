"""Two runs' mistakes on the same test set: the difference of their confusion matrices and the images
one run gets right and the other wrong (numpy only, no torch).

Run A is the reference and run B the one compared with it: every difference is B's count minus A's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UserError
from ..settings.config import DataConfig
from .metrics import confusion_counts

if TYPE_CHECKING:
    from ..training.events import EpochPredictions


@dataclass(frozen=True)
class MistakeComparison:
    """Run A's and run B's answers on the same test images (arrays in test-set order)."""

    labels: np.ndarray  # (N,) true classes
    predicted_a: np.ndarray  # (N,)
    predicted_b: np.ndarray
    probs_a: np.ndarray  # (N, classes)
    probs_b: np.ndarray
    class_names: tuple[str, ...]
    images: np.ndarray  # (N, C, H, W) uint8, the test images as stored

    @classmethod
    def of(cls, a: EpochPredictions, b: EpochPredictions) -> MistakeComparison:
        """The comparison of two runs' predictions, which must be on the same test images (``same_test_images``)."""
        return cls(a.labels, a.predicted, b.predicted, a.probs, b.probs, tuple(a.class_names), a.images)

    def swapped(self) -> MistakeComparison:
        """The same comparison with B as the reference."""
        return MistakeComparison(
            self.labels, self.predicted_b, self.predicted_a, self.probs_b, self.probs_a, self.class_names, self.images
        )

    @property
    def classes(self) -> int:
        """The number of classes."""
        return len(self.class_names)

    def confusion_a(self) -> np.ndarray:
        """Run A's confusion counts (rows true class, columns predicted class)."""
        return confusion_counts(self.labels, self.predicted_a, self.classes)

    def confusion_b(self) -> np.ndarray:
        """Run B's confusion counts."""
        return confusion_counts(self.labels, self.predicted_b, self.classes)

    def difference(self) -> np.ndarray:
        """B's confusion counts minus A's: positive on the diagonal where B gets more right, positive
        off it where B makes that mistake more often."""
        return self.confusion_b() - self.confusion_a()

    def accuracy_a(self) -> float:
        """Run A's share of test images right."""
        return float((self.labels == self.predicted_a).mean()) if len(self.labels) else 0.0

    def accuracy_b(self) -> float:
        """Run B's share of test images right."""
        return float((self.labels == self.predicted_b).mean()) if len(self.labels) else 0.0

    def _select(
        self, right: np.ndarray, wrong: np.ndarray, true_class: int | None, predicted: int | None
    ) -> np.ndarray:
        """Images the run with answers ``right`` gets right and the one with ``wrong`` gets wrong, of
        ``true_class`` (any when None) where the wrong run answered ``predicted`` (any when None)."""
        keep = (right == self.labels) & (wrong != self.labels)
        if true_class is not None:
            keep &= self.labels == true_class
        if predicted is not None:
            keep &= wrong == predicted
        return np.flatnonzero(keep)

    def a_right_b_wrong(self, true_class: int | None = None, predicted: int | None = None) -> np.ndarray:
        """Test indices A gets right and B wrong (of ``true_class``, where B said ``predicted``), in order."""
        return self._select(self.predicted_a, self.predicted_b, true_class, predicted)

    def b_right_a_wrong(self, true_class: int | None = None, predicted: int | None = None) -> np.ndarray:
        """Test indices B gets right and A wrong (of ``true_class``, where A said ``predicted``), in order."""
        return self._select(self.predicted_b, self.predicted_a, true_class, predicted)

    def cell(self, true_class: int, predicted_class: int) -> tuple[np.ndarray, np.ndarray]:
        """(A right and B wrong, B right and A wrong) behind a cell of the difference matrix.

        On the diagonal: the images of the class that one run gets right and the other wrong. Off it:
        the images of ``true_class`` that one run gets right while the other says ``predicted_class``.
        """
        wrong_as = None if true_class == predicted_class else predicted_class
        return self.a_right_b_wrong(true_class, wrong_as), self.b_right_a_wrong(true_class, wrong_as)

    def per_class_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """(images of each class A gets right and B wrong, images of each class B gets right and A wrong)."""
        a_only = np.bincount(self.labels[self.a_right_b_wrong()], minlength=self.classes)
        b_only = np.bincount(self.labels[self.b_right_a_wrong()], minlength=self.classes)
        return a_only, b_only

    def both_wrong(self) -> int:
        """Test images neither run gets right."""
        return int(((self.predicted_a != self.labels) & (self.predicted_b != self.labels)).sum())

    def to_dict(self) -> dict[str, Any]:
        """The comparison for JSON: class names, the difference matrix and the counts each run alone gets right."""
        a_only, b_only = self.per_class_totals()
        names = list(self.class_names)
        return {
            "class_names": names,
            "images": len(self.labels),
            "test_acc_a": self.accuracy_a(),
            "test_acc_b": self.accuracy_b(),
            "difference": self.difference().tolist(),
            "a_right_b_wrong": dict(zip(names, a_only.tolist(), strict=True)),
            "b_right_a_wrong": dict(zip(names, b_only.tolist(), strict=True)),
            "totals": {
                "a_right_b_wrong": int(a_only.sum()),
                "b_right_a_wrong": int(b_only.sum()),
                "both_wrong": self.both_wrong(),
            },
        }


def tested_on(data: DataConfig) -> str:
    """The test set a run was scored on, in words: "fashion-mnist", "the image folder 'flowers'"."""
    if data.dataset == "folder":
        name = (data.folder or "").rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
        return f"the image folder '{name}'" if name else "an image folder"
    return str(data.dataset)


def comparable_data(a: DataConfig, b: DataConfig, name_a: str, name_b: str) -> None:
    """Raise UserError, naming both runs, when their settings give them different test images.

    The resize is allowed to differ: it is applied to the same stored test images.
    """
    cannot = "their mistakes cannot be compared"
    if a.dataset != b.dataset or (a.dataset == "folder" and a.folder != b.folder):
        raise UserError(f"{name_a} tested on {tested_on(a)}, {name_b} on {tested_on(b)}: {cannot}.")
    if a.dataset != "folder":
        return
    for label, va, vb in (
        ("decoded its images at", f"{a.image_size} px", f"{b.image_size} px"),
        ("read them with", f"{a.channels} channel(s)", f"{b.channels} channel(s)"),
        ("held out", f"{a.test_fraction:g} of them", f"{b.test_fraction:g}"),
    ):
        if va != vb:
            raise UserError(
                f"{name_a} and {name_b} tested on {tested_on(a)} but with different test images "
                f"({name_a} {label} {va}, {name_b} {vb}): {cannot}."
            )


def same_test_images(a: EpochPredictions, b: EpochPredictions, name_a: str, name_b: str) -> None:
    """Raise UserError when two runs' predictions are not on the same test images with the same classes
    (e.g. an image folder changed between them)."""
    cannot = "their mistakes cannot be compared"
    if tuple(a.class_names) != tuple(b.class_names):
        raise UserError(
            f"{name_a} and {name_b} tell apart different classes ({len(a.class_names)} and "
            f"{len(b.class_names)}: {', '.join(a.class_names[:3])}… and {', '.join(b.class_names[:3])}…): {cannot}."
        )
    if len(a.labels) != len(b.labels):
        raise UserError(f"{name_a} was tested on {len(a.labels):,} images and {name_b} on {len(b.labels):,}: {cannot}.")
    if not (np.array_equal(a.labels, b.labels) and np.array_equal(a.images, b.images)):
        raise UserError(f"{name_a} and {name_b} were tested on different images (the data changed?): {cannot}.")
