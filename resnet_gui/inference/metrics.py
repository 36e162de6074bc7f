"""Scores of a classifier's answers: confusion counts and per-class accuracy (numpy only, no torch)."""

from __future__ import annotations

import numpy as np


def confusion_counts(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """A (classes, classes) matrix of counts: row = true class, column = predicted class."""
    return np.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def per_class_accuracy(counts: np.ndarray) -> np.ndarray:
    """Recall of each class (diagonal over row sums; 0 for a class with no images)."""
    totals = counts.sum(axis=1)
    return np.divide(np.diag(counts), totals, out=np.zeros(len(counts)), where=totals > 0)
