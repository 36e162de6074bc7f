"""Per-class precision, recall, F1 and support, their averages, and the most confident mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from resnet_gui.inference.metrics import class_scores, confusion_counts, top_losses

# Rows: true class, columns: predicted class. Class 2 is never predicted (its precision divides by 0).
COUNTS = np.array([[3, 1, 0], [2, 4, 0], [1, 0, 0]])


def test_scores_follow_scikit_learns_formulas_on_a_hand_made_case() -> None:
    s = class_scores(COUNTS)
    # precision = tp / predicted: 3/6, 4/5, 0/0 -> 0 (scikit-learn's zero_division=0)
    assert s.precision.tolist() == pytest.approx([0.5, 0.8, 0.0])
    # recall = tp / support: 3/4, 4/6, 0/1
    assert s.recall.tolist() == pytest.approx([0.75, 2 / 3, 0.0])
    # F1 = 2PR / (P + R): 0.75/1.25, (16/15)/(22/15), 0 where P + R = 0
    assert s.f1.tolist() == pytest.approx([3 / 5, 8 / 11, 0.0])
    assert s.support.tolist() == [4, 6, 1]
    # macro: the plain mean over classes (F1's mean, not the F1 of the mean P and R)
    assert s.macro() == pytest.approx((1.3 / 3, 17 / 36, 73 / 165))
    # weighted by support 4, 6, 1 of 11: recall weighted is the accuracy, 7/11
    assert s.weighted() == pytest.approx((6.8 / 11, 7 / 11, (4 * 3 / 5 + 6 * 8 / 11) / 11))


def test_scores_as_json() -> None:
    s = class_scores(COUNTS)
    doc = s.to_dict(("a", "b", "c"))
    assert doc["b"] == {
        "precision": pytest.approx(0.8),
        "recall": pytest.approx(2 / 3),
        "f1": pytest.approx(8 / 11),
        "support": 6,
    }
    assert s.averages()["weighted"]["recall"] == pytest.approx(7 / 11)
    assert class_scores(np.zeros((2, 2), dtype=int)).weighted() == (0.0, 0.0, 0.0)


def test_scores_equal_scikit_learns_on_random_answers() -> None:
    metrics = pytest.importorskip("sklearn.metrics")  # installed with cleanlab
    rng = np.random.default_rng(1)
    labels, predicted = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    predicted[labels == 3] = 3  # one class always right
    s = class_scores(confusion_counts(labels, predicted, 5))
    p, r, f, n = metrics.precision_recall_fscore_support(labels, predicted, labels=range(5), zero_division=0)
    assert np.allclose(s.precision, p) and np.allclose(s.recall, r) and np.allclose(s.f1, f)
    assert s.support.tolist() == n.tolist()
    for average, mine in (("macro", s.macro()), ("weighted", s.weighted())):
        theirs = metrics.precision_recall_fscore_support(labels, predicted, average=average, zero_division=0)[:3]
        assert mine == pytest.approx(theirs)


def test_top_losses_are_the_wrong_answers_least_likely_true_first() -> None:
    probs = np.array(
        [
            [0.9, 0.1],  # true 0, right
            [0.6, 0.4],  # true 1, wrong: p(true) 0.4
            [0.95, 0.05],  # true 1, wrong: p(true) 0.05
            [0.3, 0.7],  # true 0, wrong: p(true) 0.3
            [0.2, 0.8],  # true 1, right
        ]
    )
    labels = np.array([0, 1, 1, 0, 1])
    predicted = probs.argmax(axis=1)
    assert top_losses(probs, labels, predicted, 10).tolist() == [2, 3, 1]
    assert top_losses(probs, labels, predicted, 2).tolist() == [2, 3]
    assert top_losses(probs, labels, labels, 10).tolist() == []
