"""Exports: TOML settings round-trip, metrics files, TorchScript and ONNX models that match the checkpoint."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from resnet_gui.errors import ConfigError
from resnet_gui.inference.model_export import export_onnx, export_torchscript
from resnet_gui.inference.trained import load_trained
from resnet_gui.runs.export import write_metrics_csv, write_metrics_json
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.toml_io import load_toml, save_toml, to_toml
from resnet_gui.training.engine import fit

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 32},
    model={"blocks": (1, 1), "channels": 8},
    train={"epochs": 1, "batch_size": 1000, "seed": None},
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("ckpt")
    return fit(CFG, checkpoint_dir=folder), folder / "last.pt"


def test_toml_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    save_toml(CFG, path)
    assert load_toml(path) == CFG
    assert 'seed = "random"' in to_toml(CFG) and "root" not in to_toml(CFG)
    (tmp_path / "partial.toml").write_text("[train]\nlr = 0.01\n")
    assert load_toml(tmp_path / "partial.toml") == with_changes(RunConfig(), train={"lr": 0.01})
    (tmp_path / "bad.toml").write_text("[train]\nlr = -2\n")
    with pytest.raises(ConfigError, match=r"train.lr"):
        load_toml(tmp_path / "bad.toml")
    (tmp_path / "broken.toml").write_text("[train\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_toml(tmp_path / "broken.toml")
    (tmp_path / "typo.toml").write_text("[train]\nlearning_rate = 1\n")
    with pytest.raises(ConfigError, match="learning_rate"):
        load_toml(tmp_path / "typo.toml")


def test_metrics_csv_and_json(trained, tmp_path: Path) -> None:
    result, _ = trained
    write_metrics_csv(result.history, tmp_path / "m.csv")
    with open(tmp_path / "m.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and float(rows[0]["test_acc"]) == result.history[0].test_acc
    write_metrics_json(result.history, tmp_path / "m.json", {"name": "x"})
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["name"] == "x" and doc["epochs"][0]["loss"] == result.history[0].loss


def test_torchscript_matches_the_checkpoint(trained, tmp_path: Path) -> None:
    _, ckpt = trained
    net = load_trained(ckpt).net
    scripted = torch.jit.load(str(export_torchscript(ckpt, tmp_path / "m.ts")))
    x = torch.rand(4, 1, 32, 32)
    torch.testing.assert_close(scripted(x), net(x))


def test_onnx_matches_the_checkpoint(trained, tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    _, ckpt = trained
    net = load_trained(ckpt).net
    path = export_onnx(ckpt, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(path))
    x = torch.rand(5, 1, 32, 32)
    (out,) = session.run(None, {"images": x.numpy()})
    np.testing.assert_allclose(out, net(x).detach().numpy(), atol=1e-4)
