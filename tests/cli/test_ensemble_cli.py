"""``resnet-gui eval A B``: several checkpoints scored as one ensemble, their probabilities averaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run
from PIL import Image

from resnet_gui.inference.predictions import checkpoint_predictions

TINY = (
    "--resize", "0", "--blocks", "1", "--channels", "8", "--epochs", "1", "--batch-size", "500", "--precision", "fp32",
)  # fmt: skip


def train(db: Path, *args: str) -> str:
    """Train a tiny network and return its checkpoint."""
    code, _, err = run("train", *TINY, "--runs-db", str(db), "--json", *args)
    assert code == 0, err
    return json.loads(run("runs", "--runs-db", str(db), "--json")[1])[0]["checkpoint"]


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    db = tmp_path_factory.mktemp("runs") / "runs.sqlite"
    return [train(db, "--data", "sample", "--seed", str(seed)) for seed in (0, 1)]


def test_two_networks_are_scored_on_their_averaged_probabilities(two_seeds: list[str]) -> None:
    code, out, err = run("eval", *two_seeds, "--json")
    assert code == 0, err
    doc = json.loads(out)
    alone = [checkpoint_predictions(path) for path in two_seeds]
    by_hand = ((alone[0].probs + alone[1].probs) / 2).argmax(axis=1)
    assert doc["test_acc"] == pytest.approx(float((by_hand == alone[0].labels).mean()))
    assert [m["checkpoint"] for m in doc["members"]] == two_seeds
    assert [m["test_acc"] for m in doc["members"]] == pytest.approx([a.accuracy for a in alone])
    assert [m["test_acc"] for m in doc["members"]] == [
        json.loads(run("eval", p, "--json")[1])["test_acc"] for p in two_seeds
    ]
    assert doc["views"] == 2 and np.array(doc["confusion"]).sum() == 1000
    code, out, _ = run("eval", *two_seeds)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith(f"test accuracy: {doc['test_acc']:.4f} on 1,000 images, an ensemble of 2")
    assert [line.split()[-1] for line in lines[1:3]] == two_seeds and lines[1].startswith("  alone: ")


def test_networks_of_other_classes_are_refused(two_seeds: list[str], tmp_path: Path) -> None:
    for k, name in enumerate(("dark", "bright")):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        for i in range(10):
            Image.new("L", (28, 28), k * 255 - i).save(tmp_path / "imgs" / name / f"{i}.png")
    folder = train(tmp_path / "r.sqlite", "--data", "folder", "--folder", str(tmp_path / "imgs"), "--batch-size", "8")
    code, out, err = run("eval", two_seeds[0], folder)
    assert code == 1 and out == ""
    assert "predicts 2 classes" in err and "must answer the same classes" in err


def test_recorded_runs_are_scored_together_by_their_ids(two_seeds: list[str]) -> None:
    db = str(Path(two_seeds[0]).parents[2] / "runs.sqlite")
    code, out, err = run("runs", "score-together", "1", "2", "--runs-db", db, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["test_acc"] == json.loads(run("eval", *two_seeds, "--json")[1])["test_acc"]
    best = [str(Path(path).with_name("best.pt")) for path in two_seeds]  # a run's trained model: its best epoch
    assert [(r["id"], r["checkpoint"], r["epoch"], r["views"]) for r in doc["runs"]] == [
        (1, best[0], 1, 1),
        (2, best[1], 1, 1),
    ]
    assert doc["gain"] == pytest.approx(doc["test_acc"] - max(r["test_acc"] for r in doc["runs"]))
    code, out, _ = run("runs", "score-together", "1", "2", "--runs-db", db)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("run 1 (") and ", epoch 1: test accuracy " in lines[0]
    assert lines[2].startswith(f"together: test accuracy {doc['test_acc']:.4f} on 1,000 test images (")
    code, _, err = run("runs", "score-together", "1", "--runs-db", db)
    assert code == 1 and "runs score-together: give two or more run ids" in err
    code, _, err = run("runs", "score-together", "1", "1", "--runs-db", db)
    assert code == 1 and "Select at least two different trained runs to score together." in err
