"""A look at a data set before training: sample images per class, class counts, the augmentation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..settings.config import SPECS
from .batching import augment_batch
from .datasets import DataSet, check_dataset


@dataclass(frozen=True)
class DataPreview:
    """Numpy arrays and counts describing a data set, ready to draw."""

    class_names: tuple[str, ...]
    train_counts: tuple[int, ...]
    test_counts: tuple[int, ...]
    samples: np.ndarray  # (classes, per_class, C, H, W) uint8; missing samples are black
    augmented: dict[str, np.ndarray]  # augmentation mode -> (n, C, H, W) uint8: the originals augmented
    originals: np.ndarray  # (n, C, H, W) uint8: a few training images before augmentation
    image_size: int
    channels: int
    skipped: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line: images, classes, size, channels and skipped files."""
        colour = "grayscale" if self.channels == 1 else "colour"
        text = (
            f"{sum(self.train_counts):,} training and {sum(self.test_counts):,} test images, "
            f"{len(self.class_names)} classes, {self.image_size}×{self.image_size} {colour}"
        )
        text += f", {len(self.skipped)} unreadable file(s) skipped" if self.skipped else ""
        return " ".join((text + ".", *self.notes)) if self.notes else text


def make_preview(ds: DataSet, per_class: int = 8, augment_examples: int = 8, seed: int = 0) -> DataPreview:
    """The first ``per_class`` training images of each class and the examples of each augmentation.

    The data set gets the checks training does first (DataError naming what is wrong).
    """
    check_dataset(ds)
    classes = len(ds.class_names)
    c, h, w = ds.train_x.shape[1:]
    samples = np.zeros((classes, per_class, c, h, w), dtype=np.uint8)
    labels = ds.train_y.numpy()
    images = ds.train_x.numpy()
    for k in range(classes):
        idx = np.flatnonzero(labels == k)[:per_class]
        samples[k, : len(idx)] = images[idx]
    gen = torch.Generator().manual_seed(seed)
    pick = torch.randperm(len(labels), generator=gen)[:augment_examples]
    originals = ds.train_x[pick]
    # Each mode from the same seed: the same images mirrored in every example.
    augmented = {
        mode: augment_batch(originals.float(), mode, torch.Generator().manual_seed(seed + 1))
        for mode in SPECS["train.augment"].choices
        if mode != "none"
    }
    return DataPreview(
        ds.class_names,
        tuple(np.bincount(labels, minlength=classes).tolist()),
        tuple(np.bincount(ds.test_y.numpy(), minlength=classes).tolist()),
        samples,
        {mode: x.round().to(torch.uint8).numpy() for mode, x in augmented.items()},
        originals.numpy(),
        int(h),
        int(c),
        ds.skipped,
        ds.notes,
    )
