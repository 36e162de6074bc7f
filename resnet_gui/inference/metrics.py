"""Scores of a classifier's answers: confusion counts, per-class accuracy, log loss (numpy only, no torch)."""

from __future__ import annotations

import numpy as np


def confusion_counts(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """A (classes, classes) matrix of counts: row = true class, column = predicted class."""
    return np.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def per_class_accuracy(counts: np.ndarray) -> np.ndarray:
    """Recall of each class (diagonal over row sums; 0 for a class with no images)."""
    totals = counts.sum(axis=1)
    return np.divide(np.diag(counts), totals, out=np.zeros(len(counts)), where=totals > 0)


# Probabilities below this count as this: a confidently wrong answer costs about 27.6, not infinity.
MIN_PROB = 1e-12


def log_loss(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of the predicted probabilities (N, classes) against the true ``labels``."""
    if not len(labels):
        return 0.0
    picked = probs[np.arange(len(labels)), labels].astype(np.float64)
    return float(-np.log(np.clip(picked, MIN_PROB, None)).mean())
