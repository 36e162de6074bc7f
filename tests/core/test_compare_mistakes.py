"""Two runs' mistakes compared on a hand-made pair of answers: the difference matrix and who gets what right."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from resnet_gui.errors import UserError
from resnet_gui.inference.compare import MistakeComparison, comparable_data, same_test_images
from resnet_gui.settings.config import DataConfig
from resnet_gui.training.events import EpochPredictions

NAMES = ("cat", "dog", "fox")
LABELS = np.array([0, 0, 0, 1, 1, 1, 2, 2])
PRED_A = np.array([0, 0, 1, 1, 0, 2, 2, 0])
PRED_B = np.array([0, 2, 0, 1, 1, 0, 1, 0])
IMAGES = np.arange(8 * 4, dtype=np.uint8).reshape(8, 1, 2, 2)


def answers(predicted: np.ndarray, labels: np.ndarray = LABELS, images: np.ndarray = IMAGES) -> EpochPredictions:
    probs = np.full((len(predicted), 3), 0.1, dtype=np.float32)
    probs[np.arange(len(predicted)), predicted] = 0.8
    return EpochPredictions(1, labels, predicted, probs, NAMES, images)


@pytest.fixture
def pair() -> MistakeComparison:
    return MistakeComparison.of(answers(PRED_A), answers(PRED_B))


def test_the_difference_is_b_minus_a_cell_by_cell(pair: MistakeComparison) -> None:
    # Worked out by hand, rows true class (cat, dog, fox), columns predicted.
    assert pair.confusion_a().tolist() == [[2, 1, 0], [1, 1, 1], [1, 0, 1]]
    assert pair.confusion_b().tolist() == [[2, 0, 1], [1, 2, 0], [1, 1, 0]]
    assert pair.difference().tolist() == [[0, -1, 1], [0, 1, -1], [0, 1, -1]]
    assert pair.difference().sum(axis=1).tolist() == [0, 0, 0]  # each class keeps its images


def test_who_gets_which_images_right(pair: MistakeComparison) -> None:
    assert pair.a_right_b_wrong().tolist() == [1, 6]
    assert pair.b_right_a_wrong().tolist() == [2, 4]
    a_only, b_only = pair.per_class_totals()
    assert a_only.tolist() == [1, 0, 1] and b_only.tolist() == [1, 1, 0]
    assert pair.both_wrong() == 2  # images 5 and 7
    assert pair.accuracy_a() == 4 / 8 and pair.accuracy_b() == 4 / 8


def test_a_cell_lists_the_images_behind_its_difference(pair: MistakeComparison) -> None:
    # Diagonal: the class's images one run gets right and the other wrong, whatever the wrong answer.
    assert [x.tolist() for x in pair.cell(0, 0)] == [[1], [2]]
    assert [x.tolist() for x in pair.cell(2, 2)] == [[6], []]
    # Off the diagonal: images of the row's class that one run gets right while the other says the column.
    assert [x.tolist() for x in pair.cell(0, 2)] == [[1], []]  # B says fox for cat #1, A is right
    assert [x.tolist() for x in pair.cell(0, 1)] == [[], [2]]  # A says dog for cat #2, B is right
    assert [x.tolist() for x in pair.cell(1, 0)] == [[], [4]]
    assert [x.tolist() for x in pair.cell(1, 2)] == [[], []]  # dog #5: A says fox, but B is wrong too


def test_swapping_turns_the_comparison_round(pair: MistakeComparison) -> None:
    swapped = pair.swapped()
    assert swapped.difference().tolist() == (-pair.difference()).tolist()
    assert swapped.a_right_b_wrong().tolist() == pair.b_right_a_wrong().tolist()


def test_the_json_document(pair: MistakeComparison) -> None:
    doc = pair.to_dict()
    assert doc["difference"] == [[0, -1, 1], [0, 1, -1], [0, 1, -1]]
    assert doc["a_right_b_wrong"] == {"cat": 1, "dog": 0, "fox": 1}
    assert doc["b_right_a_wrong"] == {"cat": 1, "dog": 1, "fox": 0}
    assert doc["totals"] == {"a_right_b_wrong": 2, "b_right_a_wrong": 2, "both_wrong": 2}
    assert doc["images"] == 8 and doc["class_names"] == list(NAMES)


def test_other_test_data_cannot_be_compared() -> None:
    sample, fashion = DataConfig(dataset="sample"), DataConfig(dataset="fashion-mnist")
    comparable_data(sample, replace(sample, resize=0), "run 1", "run 2")  # the resize does not change the test images
    with pytest.raises(UserError, match="run 3 tested on fashion-mnist, run 5 on sample: their mistakes cannot"):
        comparable_data(fashion, sample, "run 3", "run 5")
    flowers = DataConfig(dataset="folder", folder="/data/flowers")
    with pytest.raises(UserError, match="run 3 tested on fashion-mnist, run 5 on the image folder 'flowers'"):
        comparable_data(fashion, flowers, "run 3", "run 5")
    with pytest.raises(UserError, match=r"different test images \(run 1 decoded its images at 28 px, run 2 32 px\)"):
        comparable_data(flowers, replace(flowers, image_size=32), "run 1", "run 2")


def test_answers_on_other_images_cannot_be_compared() -> None:
    a = answers(PRED_A)
    same_test_images(a, answers(PRED_B), "run 1", "run 2")
    with pytest.raises(UserError, match="run 1 was tested on 8 images and run 2 on 7"):
        same_test_images(a, answers(PRED_B[:7], LABELS[:7], IMAGES[:7]), "run 1", "run 2")
    with pytest.raises(UserError, match="tested on different images"):
        same_test_images(a, answers(PRED_B, images=IMAGES[::-1].copy()), "run 1", "run 2")
