"""``resnet-gui runs``: tags set and listed, a failed run's error shown, new runs named after what they are."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from cli_helpers import run

from resnet_gui.cli.main import main
from resnet_gui.runs.status import RunStatus
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes

CFG = with_changes(
    RunConfig(),
    data={"dataset": "folder", "folder": "/data/flowers"},
    model={"blocks": (1,), "channels": 8},
    train={"epochs": 1},
)


def test_a_failed_runs_error_is_shown_by_runs_show(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    ok = store.create_run(CFG, "fine")
    store.finish(ok, RunStatus.FINISHED)
    bad = store.create_run(CFG, "too big")
    store.finish(bad, RunStatus.FAILED, "Not enough memory: the run needs 96.0 GB, 12.0 GB are free")
    code, out, _ = run("runs", "show", str(bad), "--runs-db", str(db))
    assert code == 0 and "failed" in out
    assert "  error: Not enough memory: the run needs 96.0 GB, 12.0 GB are free" in out.splitlines()
    code, out, _ = run("runs", "show", str(ok), "--runs-db", str(db))
    assert code == 0 and "error" not in out


def test_tags_are_set_added_removed_and_listed(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.sqlite")
    store = RunStore(db)
    first, second = store.create_run(CFG, "a"), store.create_run(CFG, "b")
    code, out, _ = run("runs", "tag", str(first), str(second), "--add", "sweep", "--runs-db", db)
    assert code == 0 and out.splitlines() == ["run 1 (a): sweep", "run 2 (b): sweep"]
    assert run("runs", "tag", str(first), "--add", "baseline, lr", "--remove", "lr", "--runs-db", db)[0] == 0
    assert store.get(first).tags == ("sweep", "baseline") and store.get(second).tags == ("sweep",)
    code, out, _ = run("runs", "tag", str(second), "--runs-db", db)  # no option: print them
    assert out.strip() == "run 2 (b): sweep" and store.get(second).tags == ("sweep",)

    code, out, _ = run("runs", "--runs-db", db)
    header, *rows = out.splitlines()
    assert header.split()[-3:] == ["data", "tags", "checkpoint"]
    assert "sweep,baseline" in rows[1] and "folder: flowers" in rows[1]  # newest first
    listed = json.loads(run("runs", "--runs-db", db, "--json")[1])
    assert [r["tags"] for r in listed] == [["sweep"], ["sweep", "baseline"]]
    assert "  tags: sweep, baseline" in run("runs", "show", str(first), "--runs-db", db)[1].splitlines()

    assert run("runs", "tag", str(first), "--tags", "", "--runs-db", db)[0] == 0
    assert store.get(first).tags == ()
    code, _, err = run("runs", "tag", "--tags", "x", "--runs-db", db)
    assert code == 1 and "give one or more run ids" in err


def test_train_names_a_run_after_what_it_is_and_tags_it(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.sqlite")
    args = ("train", "--data", "sample", "--resize", "0", "--blocks", "1", "--channels", "8", "--epochs", "1")
    code, _, err = run(*args, "--batch-size", "1000", "--lr", "0.05", "--tags", "smoke,cli", "--runs-db", db)
    assert code == 0, err
    (made,) = RunStore(db).list()
    assert made.name == "resnet 1 · lr 0.05 · sample" and made.tags == ("smoke", "cli")
    assert run(*args, "--batch-size", "1000", "--name", "mine", "--runs-db", db)[0] == 0
    assert RunStore(db).list()[0].name == "mine"
