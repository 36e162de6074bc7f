"""The run history when several databases share a folder, when another process holds it, and when it is damaged."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from resnet_gui.runs.recorder import RunRecorder
from resnet_gui.runs.schema import MIGRATIONS
from resnet_gui.runs.store import RunStore, RunStoreError
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd, EpochEnd, RunEnd, RunStarted

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 4},
    train={"epochs": 1, "batch_size": 2000, "precision": "fp32"},
)


def trained(store: RunStore) -> int:
    run_id = store.create_run(CFG)
    fit(CFG, callbacks=[store.recorder(run_id)], report_every_s=0, checkpoint_dir=store.get(run_id).checkpoint_dir)
    return run_id


def test_two_databases_in_one_folder_never_share_checkpoints(tmp_path: Path) -> None:
    a, b = RunStore(tmp_path / "a.sqlite"), RunStore(tmp_path / "b.sqlite")
    ra, rb = trained(a), trained(b)
    assert ra == rb == 1
    ckpt_a, ckpt_b = a.get(ra).last_checkpoint, b.get(rb).last_checkpoint
    assert Path(ckpt_a).parent != Path(ckpt_b).parent
    a.delete(ra)
    assert not Path(ckpt_a).exists() and Path(ckpt_b).is_file()


def test_a_recreated_database_does_not_pick_up_an_old_run_s_checkpoint(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    old = RunStore(db)
    old_ckpt = old.get(trained(old)).best_checkpoint
    for f in tmp_path.glob("runs.sqlite*"):
        f.unlink()
    new = RunStore(db)
    run_id = new.create_run(CFG)
    assert run_id == 1 and new.get(run_id).trained_checkpoint == ""
    assert Path(new.get(run_id).checkpoint_dir) != Path(old_ckpt).parent


def _version_1_database(path: Path, runs: list[tuple[float, float]]) -> None:
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    for i, (created, ended) in enumerate(runs, start=1):
        folder = path.parent / "checkpoints" / f"run-{i}"
        db.execute(
            "INSERT INTO runs (name, created_at, ended_at, status, config, epochs_planned, checkpoint_dir, "
            "last_checkpoint) VALUES (?, ?, ?, 'finished', ?, 1, ?, ?)",
            (f"run {i}", created, ended, json.dumps(CFG.to_dict()), str(folder), str(folder / "last.pt")),
        )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def test_an_old_database_moves_its_own_folders_and_lets_go_of_others(tmp_path: Path) -> None:
    now = time.time()
    # Run 1's folder was written during run 1; run 2's folder was written long after run 2 ended
    # (by another database's run 2), so it is not run 2's.
    _version_1_database(tmp_path / "runs.sqlite", [(now - 100, now - 50), (now - 100_000, now - 90_000)])
    for i in (1, 2):
        folder = tmp_path / "checkpoints" / f"run-{i}"
        folder.mkdir(parents=True)
        (folder / "last.pt").write_bytes(b"x")
        os.utime(folder / "last.pt", (now - 60, now - 60))
    store = RunStore(tmp_path / "runs.sqlite")
    one, two = store.get(1), store.get(2)
    assert Path(one.last_checkpoint).is_file() and Path(one.checkpoint_dir).name.startswith("run-1-")
    assert not (tmp_path / "checkpoints" / "run-1").exists()
    assert two.last_checkpoint == "" and (tmp_path / "checkpoints" / "run-2" / "last.pt").is_file()
    assert Path(two.checkpoint_dir).name.startswith("run-2-")


def test_a_locked_database_never_ends_the_run_and_the_record_catches_up(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    recorder = RunRecorder(store, run_id)
    recorder(RunStarted(1, 2, 10, 5, "cpu", "fp32", ("a", "b"), 100))
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process writing
    t0 = time.monotonic()
    recorder(BatchEnd(1, 1, 2, 0.9, 10.0, 1.0, 1.0))
    recorder(BatchEnd(1, 2, 2, 0.8, 10.0, 2.0, 0.0))
    assert time.monotonic() - t0 < 3.0 and recorder.behind == 2
    other.execute("COMMIT")
    other.close()
    recorder(EpochEnd(1, 0.85, 0.5, 0.5, 2.0, 10.0, 0.001))
    recorder(RunEnd("finished", 1))
    assert recorder.behind == 0
    assert [b[:2] for b in store.batches_after(run_id, 0, 0)] == [(1, 1), (1, 2)]
    assert store.get(run_id).status == "finished" and store.get(run_id).epochs_done == 1


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_bytes(b"this is not sqlite" * 100), "damaged or not a resnet-gui database"),
        (lambda p: sqlite3.connect(p).execute("PRAGMA user_version = 99").connection.commit(), "newer resnet-gui"),
    ],
)
def test_an_unusable_database_says_what_is_wrong(tmp_path: Path, make, words: str) -> None:
    path = tmp_path / "runs.sqlite"
    make(path)
    with pytest.raises(RunStoreError, match=words):
        RunStore(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere: no read-only folder to try")
def test_an_unwritable_folder_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(RunStoreError, match="run history"):
            RunStore(folder / "runs.sqlite")
    finally:
        folder.chmod(0o700)


def test_a_run_written_by_a_newer_version_still_lists(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    doc = CFG.to_dict()
    doc["train"]["future_setting"] = 3
    doc["future_section"] = {"x": 1}
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE runs SET config = ?, status = 'paused-forever' WHERE id = ?", (json.dumps(doc), run_id))
    (run,) = store.list()
    assert run.config == CFG and run.status == "failed"
