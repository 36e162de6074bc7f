"""The run history in SQLite: recorded from the engine, listed, renamed, deleted, migrated."""

import sqlite3
import time
from pathlib import Path

import pytest

from resnet_gui.runs.schema import SCHEMA_VERSION
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.engine import fit

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 8},
    train={"epochs": 2, "batch_size": 1000},
)


def test_a_run_is_recorded_with_metrics_and_checkpoints(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG, "tiny")
    fit(CFG, callbacks=[store.recorder(run_id)], report_every_s=0, checkpoint_dir=store.get(run_id).checkpoint_dir)
    run = store.get(run_id)
    assert (run.name, run.status, run.epochs_done, run.epochs_planned) == ("tiny", "finished", 2, 2)
    epochs = store.epochs(run_id)
    assert [e.epoch for e in epochs] == [1, 2]
    assert run.best_test_acc == max(e.test_acc for e in epochs)
    assert Path(run.last_checkpoint).is_file() and Path(run.best_checkpoint).is_file()
    assert run.config == CFG and run.device == "cpu" and "torch" in run.versions
    losses = store.batch_losses(run_id)
    assert len(losses) == 12 and losses[-1][0] == pytest.approx(2.0)
    assert run.duration_s is not None and run.duration_s > 0


def test_reopening_at_a_checkpoint_drops_what_was_recorded_after_it(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    fit(CFG, callbacks=[store.recorder(run_id)], report_every_s=0)  # 2 epochs of 6 batches
    store.reopen(run_id, (1, 2))  # as if the checkpoint held epoch 1 and 2 batches of epoch 2
    assert store.get(run_id).status == "running"
    assert [e.epoch for e in store.epochs(run_id)] == [1]
    assert [x for x, _ in store.batch_losses(run_id)] == pytest.approx([i / 6 for i in range(1, 9)])


def test_rename_notes_delete(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    assert store.get(run_id).name == f"run {run_id}"
    store.rename(run_id, "baseline")
    store.set_notes(run_id, "lr too high?")
    folder = Path(store.get(run_id).checkpoint_dir)
    folder.mkdir(parents=True)
    (folder / "last.pt").write_bytes(b"x")
    assert (store.get(run_id).name, store.get(run_id).notes) == ("baseline", "lr too high?")
    store.delete(run_id)
    assert store.list() == [] and not folder.exists()
    with pytest.raises(KeyError):
        store.get(run_id)


def test_schema_is_versioned_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    RunStore(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_dead_running_run_shows_as_crashed(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE runs SET pid = 2147483646 WHERE id = ?", (run_id,))
    assert store.get(run_id).status == "crashed"


def test_listing_100_runs_is_fast(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    for i in range(100):
        store.create_run(CFG, f"r{i}")
    start = time.perf_counter()
    runs = store.list()
    assert len(runs) == 100 and runs[0].name == "r99"
    assert time.perf_counter() - start < 1.0


def test_tags_estimate_and_an_old_database_brought_up_to_date(tmp_path: Path) -> None:
    from resnet_gui.runs.schema import MIGRATIONS
    from resnet_gui.training.events import EpochEnd

    path = tmp_path / "runs.sqlite"
    db = sqlite3.connect(path)
    for statement in MIGRATIONS[:2]:
        db.executescript(statement)
    db.execute("PRAGMA user_version = 2")
    db.execute(
        "INSERT INTO runs (name, created_at, status, config, epochs_planned) VALUES ('old', 1.0, 'finished', '{}', 1)"
    )
    db.execute("INSERT INTO epochs VALUES (1, 1, 0.5, 0.8, 0.7, 2.0, 100.0, 0.1)")
    db.commit()
    db.close()
    store = RunStore(path)
    old = store.get(1)
    assert (old.tags, old.estimated_s) == ((), None)
    assert store.epochs(1) == [EpochEnd(1, 0.5, 0.8, 0.7, 2.0, 100.0, 0.1)]
    store.set_tags(1, [" lr ", "sweep", "lr", ""])
    store.set_estimate(1, 12.5)
    assert (store.get(1).tags, store.get(1).estimated_s) == (("lr", "sweep"), 12.5)
    assert store.get(1).summary()["tags"] == ["lr", "sweep"]


def test_test_loss_and_machine_load_are_kept_per_epoch(tmp_path: Path) -> None:
    from resnet_gui.training.events import EpochEnd

    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    epoch = EpochEnd(1, 0.5, 0.8, 0.7, 2.0, 100.0, 0.1, 0.6, 87.5, 2.5e9, None, None)
    recorder = store.recorder(run_id)
    recorder(epoch)
    assert store.epochs(run_id) == [epoch]


def test_a_followed_run_s_events_come_in_the_order_they_happened(tmp_path: Path) -> None:
    from resnet_gui.runs.follow import RunWatcher
    from resnet_gui.training.events import BatchEnd, EpochEnd, RunStarted

    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    record = store.recorder(run_id)
    record(BatchEnd(1, 2, 2, 0.5, 1.0, 1.0, 1.0))
    record(EpochEnd(1, 0.5, 0.8, 0.7, 2.0, 1500.0, 1e-3))
    record(BatchEnd(2, 1, 2, 0.4, 1.0, 1.0, 1.0))
    _, events = RunWatcher(store, run_id).poll()
    kinds = [(type(e).__name__, e.epoch) for e in events if not isinstance(e, RunStarted)]
    assert kinds == [("BatchEnd", 1), ("EpochEnd", 1), ("BatchEnd", 2)]


def test_a_run_keeps_the_colour_the_user_gave_it(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    assert (store.get(run_id).color, store.get(run_id).experiment, store.get(run_id).trial) == ("", "", None)
    store.set_color(run_id, "#AA3377")
    assert store.get(run_id).color == "#aa3377"
    with pytest.raises(ValueError, match="#rrggbb"):
        store.set_color(run_id, "purple")
    store.set_color(run_id, "")
    assert store.get(run_id).color == ""
