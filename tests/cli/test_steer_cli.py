"""``runs steer``, early stopping and the changes in ``runs show`` and a run's exported settings, headless."""

from __future__ import annotations

import contextlib
import io
import json
import tomllib
from pathlib import Path

from cli_helpers import run

from resnet_gui.cli.main import main
from resnet_gui.runs.changes import mark_applied, run_changes
from resnet_gui.runs.status import RunStatus
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.toml_io import load_toml

CFG = with_changes(RunConfig(), data={"dataset": "sample", "resize": 0}, model={"blocks": (1,), "channels": 8})
TINY = ("--data", "sample", "--resize", "0", "--blocks", "1", "--channels", "8", "--batch-size", "1000")


def test_steer_asks_a_running_run_and_show_lists_the_changes(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    run_id = store.create_run(CFG, "long one")  # running, in this (live) process
    code, out, err = run("runs", "steer", str(run_id), "--lr-scale", "0.5", "--epochs", "12", "--runs-db", str(db))
    assert code == 0, err
    assert f"asked run {run_id} (long one): lr ×0.5, epochs 12" in out
    code, out, _ = run("runs", "steer", str(run_id), "--stop-after-epoch", "--json", "--runs-db", str(db))
    assert json.loads(out)["asked"] == [
        {"setting": "stop_after_epoch", "value": 1.0, "epoch": None, "batch": None, "seq": 3}
    ]
    with store._connect() as db_conn:  # as the training process records it
        mark_applied(db_conn, run_id, 1, 0.5, 2, 40)
    code, out, _ = run("runs", "show", str(run_id), "--runs-db", str(db))
    assert "changes:" in out and "lr ×0.5 at epoch 2, batch 40" in out and "epochs 12 asked, not applied yet" in out
    code, out, _ = run("runs", "show", str(run_id), "--json", "--runs-db", str(db))
    assert json.loads(out)["changes"][0] == {"setting": "lr_scale", "value": 0.5, "epoch": 2, "batch": 40}


def test_steer_says_what_is_wrong(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    done = store.create_run(CFG)
    store.finish(done, RunStatus.FINISHED)
    code, _, err = run("runs", "steer", str(done), "--lr", "0.01", "--runs-db", str(db))
    assert code == 1 and "is finished, not running" in err
    code, _, err = run("runs", "steer", str(done), "--runs-db", str(db))
    assert code == 1 and "give --lr X, --lr-scale X, --epochs N or --stop-after-epoch" in err
    running = store.create_run(CFG)
    code, _, err = run("runs", "steer", str(running), "--epochs", "0", "--runs-db", str(db))
    assert code == 1 and "epochs must be a whole number from 1" in err and run_changes(store, running) == []


def test_a_run_finishes_early_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    args = ("--epochs", "4", "--early-stop-patience", "1", "--early-stop-min-delta", "1", "--runs-db", str(db))
    code, out, err = run("train", *TINY, *args)
    assert code == 0, err
    assert "finished early: no better test accuracy by more than 1 for 1 epoch" in out
    assert "run 1 finished early; checkpoint: " in out and out.rstrip().endswith("best.pt")
    code, out, _ = run("runs", "show", "1", "--runs-db", str(db))
    assert "finished early: no better test accuracy by more than 1 for 1 epoch; best epoch" in out
    code, out, _ = run("runs", "show", "1", "--json", "--runs-db", str(db))
    doc = json.loads(out)
    assert doc["status"] == "finished early" and doc["epochs_done"] == 2 and doc["best_epoch"] in (1, 2)
    assert doc["config"]["train"]["early_stop_patience"] == 1


def test_exported_settings_record_the_changes_and_load_again(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    run_id = store.create_run(CFG)
    run("runs", "steer", str(run_id), "--lr", "0.004", "--runs-db", str(db))
    run("runs", "steer", str(run_id), "--epochs", "9", "--runs-db", str(db))
    with store._connect() as db_conn:
        mark_applied(db_conn, run_id, 1, 0.004, 1, 3)  # the epochs change is never applied
    out_file = tmp_path / "settings.toml"
    code, _, err = run("runs", "export", str(run_id), "--out", str(out_file), "--runs-db", str(db))
    assert code == 0, err
    doc = tomllib.loads(out_file.read_text())
    assert doc["changes"] == [{"setting": "lr", "value": 0.004, "epoch": 1, "batch": 3}]
    assert load_toml(out_file) == CFG  # accepted, and the run starts with the settings as first asked
    out_file.write_text(out_file.read_text().replace("epoch = 1", 'epoch = "one"'))
    code, _, err = run("train", "--config", str(out_file), "--runs-db", str(db))
    assert code == 1 and "change 1 must have setting (text)" in err
