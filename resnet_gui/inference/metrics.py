"""Scores of a classifier's answers: confusion counts, per-class accuracy, precision, recall and F1, log loss,
the most confident mistakes (numpy only, no torch)."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ClassScores:
    """Precision, recall, F1 and support of each class, as scikit-learn's ``precision_recall_fscore_support``
    computes them over every class of the matrix (0 where a ratio's denominator is 0)."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray  # test images of each class

    def macro(self) -> tuple[float, float, float]:
        """(precision, recall, F1) averaged over the classes, each class counting once."""
        return float(self.precision.mean()), float(self.recall.mean()), float(self.f1.mean())

    def weighted(self) -> tuple[float, float, float]:
        """(precision, recall, F1) averaged with each class weighted by its support."""
        total = self.support.sum()
        if not total:
            return 0.0, 0.0, 0.0
        w = self.support / total
        return float(self.precision @ w), float(self.recall @ w), float(self.f1 @ w)

    def to_dict(self, class_names: tuple[str, ...]) -> dict[str, dict[str, float | int]]:
        """``{class: {precision, recall, f1, support}}`` for JSON."""
        return {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(class_names, self.precision, self.recall, self.f1, self.support, strict=True)
        }

    def averages(self) -> dict[str, dict[str, float]]:
        """``{"macro": {...}, "weighted": {...}}`` for JSON."""
        return {
            kind: dict(zip(("precision", "recall", "f1"), values, strict=True))
            for kind, values in (("macro", self.macro()), ("weighted", self.weighted()))
        }


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(len(num)), where=den > 0)


def class_scores(counts: np.ndarray) -> ClassScores:
    """Per-class scores of a confusion matrix (rows true class, columns predicted class)."""
    counts = np.asarray(counts, dtype=np.int64)
    tp = np.diag(counts).astype(np.float64)
    support, predicted = counts.sum(axis=1), counts.sum(axis=0)
    precision, recall = _ratio(tp, predicted.astype(np.float64)), _ratio(tp, support.astype(np.float64))
    f1 = _ratio(2 * precision * recall, precision + recall)
    return ClassScores(precision, recall, f1, support)


def top_losses(probs: np.ndarray, labels: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """Indices of at most ``k`` wrongly predicted images, highest loss first (lowest probability
    of the true class; ties keep the data's order)."""
    wrong = np.flatnonzero(labels != predicted)
    true_probs = probs[wrong, labels[wrong]]
    return wrong[np.argsort(true_probs, kind="stable")[:k]]
