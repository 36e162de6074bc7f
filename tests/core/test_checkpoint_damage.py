"""Damaged, foreign and unsafe checkpoints are refused with a sentence that says so, never a raw error."""

from __future__ import annotations

from pathlib import Path

import pytest

from resnet_gui.inference.trained import load_trained
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.checkpoint import CheckpointError, atomic_save, load_checkpoint
from resnet_gui.training.engine import fit

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 4},
    train={"epochs": 1, "batch_size": 2000, "precision": "fp32"},
)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("ckpt")
    fit(CFG, checkpoint_dir=folder)
    return load_checkpoint(folder / "last.pt")


def test_a_version_that_is_not_a_number_is_damage(good: dict, tmp_path: Path) -> None:
    path = tmp_path / "v.pt"
    atomic_save({**good, "version": "2"}, path)
    with pytest.raises(CheckpointError, match="format version is '2', not a whole number"):
        load_checkpoint(path)


def test_a_network_description_that_does_not_fit_the_weights_is_damage(good: dict, tmp_path: Path) -> None:
    path = tmp_path / "mismatch.pt"
    atomic_save({**good, "model_config": {**good["model_config"], "channels": 8}}, path)
    with pytest.raises(CheckpointError, match="does not hold a usable network"):
        load_trained(path)
    with pytest.raises(CheckpointError, match="weights do not fit its network"):
        fit(with_changes(CFG, model={"channels": 8}), resume=load_checkpoint(path))


def test_missing_parts_are_refused(good: dict, tmp_path: Path) -> None:
    path = tmp_path / "partial.pt"
    atomic_save({"format": good["format"], "version": 1, "config": good["config"]}, path)
    with pytest.raises(CheckpointError, match="does not hold a usable network"):
        load_trained(path)


class _Sneaky:
    def __reduce__(self):  # what a hostile file would carry
        return (print, ("ran",))


def test_an_unsafe_file_is_refused_as_unsafe(tmp_path: Path) -> None:
    import torch

    path = tmp_path / "evil.pt"
    torch.save({"format": "resnet-gui-checkpoint", "model": _Sneaky()}, path)
    with pytest.raises(CheckpointError, match="as unsafe"):
        load_checkpoint(path)
