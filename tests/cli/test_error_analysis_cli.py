"""The error-analysis commands: ``eval --json``'s per-class scores and ``explain``'s Grad-CAM map."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run
from PIL import Image

from resnet_gui.cli.main import main
from resnet_gui.data.datasets import load_sample


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("runs") / "runs.sqlite")
    code, _, err = run(
        "train", "--data", "sample", "--resize", "0", "--blocks", "1", "--channels", "8", "--epochs", "1",
        "--batch-size", "500", "--precision", "fp32", "--runs-db", db, "--json",
    )  # fmt: skip
    assert code == 0, err
    return json.loads(run("runs", "--runs-db", db, "--json")[1])[0]["checkpoint"]


@pytest.fixture(scope="module")
def image_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test image of the sample (an ankle boot) as a PNG file."""
    sample = load_sample()
    path = tmp_path_factory.mktemp("images") / "boot.png"
    Image.fromarray(sample.test_x[int((sample.test_y == 9).nonzero()[0, 0])][0].numpy()).save(path)
    return path


def test_eval_json_has_per_class_scores_and_their_averages(checkpoint: str) -> None:
    code, out, _ = run("eval", checkpoint, "--json")
    doc = json.loads(out)
    assert code == 0 and list(doc["per_class"]) == doc["class_names"]
    counts = np.array(doc["confusion"])
    boot = doc["per_class"]["Ankle boot"]
    assert boot["support"] == 100 and boot["recall"] == pytest.approx(counts[9, 9] / 100)
    assert boot["precision"] == pytest.approx(counts[9, 9] / counts[:, 9].sum() if counts[:, 9].sum() else 0)
    assert doc["averages"]["weighted"]["recall"] == pytest.approx(doc["test_acc"], abs=1e-6)
    assert set(doc["averages"]["macro"]) == {"precision", "recall", "f1"}
    code, out, _ = run("eval", checkpoint)
    assert "precision" in out and "macro average" in out and "weighted average" in out


def test_explain_writes_an_overlay_of_the_images_size_scaled(checkpoint: str, image_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "overlay.png"
    code, out, err = run("explain", checkpoint, str(image_file), "--out", str(target), "--json")
    assert code == 0, err
    doc = json.loads(out)
    with Image.open(target) as png:
        assert png.size == (224, 224) and png.mode == "RGB"  # 28 px times 8
    assert doc["overlay"] == str(target) and doc["layer"] == "resnet_block1"
    assert doc["explained"] == doc["predicted"] and doc["map_size"] == [28, 28]
    assert np.array(doc["map"]).shape == (28, 28) and 0 <= np.min(doc["map"]) <= np.max(doc["map"]) <= 1
    assert sum(doc["probabilities"].values()) == pytest.approx(1, abs=1e-4)
    assert max(doc["probabilities"], key=doc["probabilities"].get) == doc["predicted"]
    code, _, err = run("explain", checkpoint, str(image_file), "--out", str(target))
    assert code == 1 and "--force" in err


def test_explain_another_class_by_name_or_number_at_another_layer(checkpoint: str, image_file: Path) -> None:
    by_name = json.loads(run("explain", checkpoint, str(image_file), "--class", "sandal", "--layer", "3", "--json")[1])
    by_number = json.loads(run("explain", checkpoint, str(image_file), "--class", "5", "--layer", "3", "--json")[1])
    assert by_name["explained"] == by_number["explained"] == "Sandal" and by_name["layer"] == "3"
    assert by_name["map"] == by_number["map"]
    shirt = json.loads(run("explain", checkpoint, str(image_file), "--class", "0", "--layer", "3", "--json")[1])
    assert shirt["map"] != by_name["map"]
    code, out, _ = run("explain", checkpoint, str(image_file))
    assert code == 0 and "predicted:" in out and "explained:" in out


@pytest.mark.parametrize(
    "args,reason",
    [
        (("--class", "11"), "classes 0 to 9"),
        (("--class", "zebra"), "No class 'zebra'"),
        (("--layer", "fc"), "choose one of"),
    ],
)
def test_explain_errors_say_what_to_give(checkpoint: str, image_file: Path, args: tuple[str, ...], reason: str) -> None:
    code, _, err = run("explain", checkpoint, str(image_file), *args)
    assert code == 1 and reason in err and err.count("\n") == 1
