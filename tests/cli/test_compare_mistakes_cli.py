"""``resnet-gui runs compare-mistakes A B``: two real runs' test-set mistakes, B minus A."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run

from resnet_gui.cli.main import main
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import DataConfig, RunConfig


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A run history with two tiny runs on the sample (ids 1 and 2), trained one epoch at different rates."""
    path = str(tmp_path_factory.mktemp("runs") / "runs.sqlite")
    for lr in ("0.001", "0.01"):
        code, _, err = run(
            "train", "--data", "sample", "--resize", "0", "--blocks", "1", "--channels", "8", "--epochs", "1",
            "--batch-size", "500", "--precision", "fp32", "--lr", lr, "--runs-db", path, "--json",
        )  # fmt: skip
        assert code == 0, err
    return path


def test_the_difference_matrix_and_who_alone_gets_what_right(db: str) -> None:
    code, out, err = run("runs", "compare-mistakes", "1", "2", "--runs-db", db, "--json")
    assert code == 0, err
    doc = json.loads(out)
    store = RunStore(db)
    confusion = {}
    for side, run_id in (("a", 1), ("b", 2)):
        record = store.get(run_id)
        assert doc[side]["id"] == run_id and doc[side]["checkpoint"] == record.trained_checkpoint
        assert doc[side]["test_acc"] == pytest.approx(record.best_test_acc, abs=1e-9)
        evaluated = json.loads(run("eval", record.trained_checkpoint, "--json")[1])
        confusion[side] = np.array(evaluated["confusion"])
    assert doc["difference"] == (confusion["b"] - confusion["a"]).tolist()
    a_only, b_only = np.array(list(doc["a_right_b_wrong"].values())), np.array(list(doc["b_right_a_wrong"].values()))
    assert list(doc["a_right_b_wrong"]) == doc["class_names"] and len(doc["class_names"]) == 10
    # Each class's change in right answers is what B alone gets right minus what A alone does.
    assert (b_only - a_only).tolist() == np.diag(doc["difference"]).tolist()
    totals = doc["totals"]
    assert totals["a_right_b_wrong"] == a_only.sum() and totals["b_right_a_wrong"] == b_only.sum()
    right_a = round(doc["a"]["test_acc"] * 1000)
    assert totals["both_wrong"] == 1000 - right_a - totals["b_right_a_wrong"]

    code, text, _ = run("runs", "compare-mistakes", "1", "2", "--runs-db", db)
    lines = text.splitlines()
    assert code == 0 and lines[0].startswith("A: run 1 (") and lines[1].startswith("B: run 2 (")
    assert "on the same 1,000 test images" in text and "B minus A (rows: true class, columns: predicted class)" in text
    assert "A right, B wrong" in text and "B right, A wrong" in text
    boot = next(line.split() for line in lines if line.startswith("Ankle boot") and len(line.split()) == 5)
    assert boot[2:4] == [str(doc["a_right_b_wrong"]["Ankle boot"]), str(doc["b_right_a_wrong"]["Ankle boot"])]


def test_runs_that_cannot_be_compared_say_why(db: str, tmp_path: Path) -> None:
    assert run("runs", "compare-mistakes", "1", "--runs-db", db)[2].strip() == (
        "resnet-gui: error: runs compare-mistakes: give two run ids, A then B"
    )
    code, _, err = run("runs", "compare-mistakes", "1", "2", "1", "--runs-db", db)
    assert code == 1 and "give exactly two run ids" in err
    code, _, err = run("runs", "compare-mistakes", "2", "2", "--runs-db", db)
    assert code == 1 and "Choose two different runs" in err
    untrained = RunStore(db).create_run(RunConfig(data=DataConfig(dataset="sample")), "never trained")
    code, _, err = run("runs", "compare-mistakes", "1", str(untrained), "--runs-db", db)
    assert code == 1 and f"Run {untrained} (never trained) has no trained model" in err
    assert "Traceback" not in err
