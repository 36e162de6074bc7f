"""Looking at a data set runs the same checks as training it."""

from __future__ import annotations

import pytest
import torch

from resnet_gui.data.datasets import DataSet
from resnet_gui.data.preview import make_preview
from resnet_gui.errors import DataError


def _data(train_y: torch.Tensor, test_n: int = 4) -> DataSet:
    return DataSet(
        "odd",
        torch.zeros(len(train_y), 1, 8, 8, dtype=torch.uint8),
        train_y,
        torch.zeros(test_n, 1, 8, 8, dtype=torch.uint8),
        torch.zeros(4, dtype=torch.int64),
        ("a", "b"),
    )


def test_a_label_outside_the_classes_is_reported() -> None:
    with pytest.raises(DataError, match="labels of odd run from 0 to 200"):
        make_preview(_data(torch.tensor([0, 1, 200, 1])))


def test_mismatched_counts_are_reported() -> None:
    with pytest.raises(DataError, match="test split of odd is malformed"):
        make_preview(_data(torch.tensor([0, 1, 0, 1]), test_n=3))
