"""Steering a running run through the run history: the learning rate and the epochs changed mid-run,
a stop after the epoch; each change applied at the next batch, recorded, and kept on resume."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from recorded_runs import ask_at, train

from resnet_gui.errors import UserError
from resnet_gui.runs.changes import ask_change, run_changes
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.checkpoint import load_checkpoint, resume_position
from resnet_gui.training.engine import FitResult, fit
from resnet_gui.training.events import BatchEnd, Event, RunPaused, RunStarted, Steered
from resnet_gui.training.schedules import lr_factor

# 6 batches per epoch on the bundled sample.
CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 8},
    train={"epochs": 1, "batch_size": 1000, "precision": "fp32", "lr": 1e-3},
)


def lrs(events: list[Event]) -> list[tuple[int, int, float | None]]:
    return [(e.epoch, e.batch, e.lr) for e in events if isinstance(e, BatchEnd)]


def test_a_new_learning_rate_takes_effect_at_the_next_batch_and_is_recorded_there(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)

    def on_event(event: Event) -> None:
        if isinstance(event, BatchEnd) and event.batch == 2:
            ask_change(store, run_id, "lr", 0.01)

    result, events = train(store, run_id, CFG, on_event)
    assert result.status == "finished"
    assert [lr for _, _, lr in lrs(events)] == pytest.approx([1e-3, 1e-3, 0.01, 0.01, 0.01, 0.01])
    assert [e for e in events if isinstance(e, Steered)] == [Steered(1, "lr", 0.01, 1, 2)]
    (change,) = run_changes(store, run_id)
    assert (change.setting, change.value, change.epoch, change.batch) == ("lr", 0.01, 1, 2)
    assert change.describe() == "lr 0.01 at epoch 1, batch 2"
    assert store.epochs(run_id)[0].lr == pytest.approx(1e-3)  # the epoch's lr is the one it started with


def test_a_factor_scales_the_rest_of_the_schedule(tmp_path: Path) -> None:
    cfg = with_changes(CFG, train={"schedule": "cosine", "epochs": 2})
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(cfg)

    on_event = ask_at(store, run_id, (1, 3), "lr_scale", 0.5)
    _, events = train(store, run_id, cfg, on_event)
    factor = lr_factor("cosine", 12, 0)
    expected = [1e-3 * factor(step) * (0.5 if step > 3 else 1.0) for step in range(1, 13)]
    assert [lr for _, _, lr in lrs(events)] == pytest.approx(expected)


def test_epochs_can_be_added_and_taken_away_while_a_run_trains(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    longer = store.create_run(CFG)

    extend = ask_at(store, longer, (1, 1), "epochs", 2)
    result, _ = train(store, longer, CFG, extend)
    assert result.status == "finished" and [e.epoch for e in result.history] == [1, 2]
    assert store.get(longer).epochs_planned == 2 and store.get(longer).epochs_done == 2

    cfg = with_changes(CFG, train={"epochs": 3})
    shorter = store.create_run(cfg)

    shorten = ask_at(store, shorter, (1, 4), "epochs", 1)
    result, events = train(store, shorter, cfg, shorten)
    assert result.status == "finished" and [e.epoch for e in result.history] == [1]
    assert [e for e in events if isinstance(e, Steered)] == [Steered(1, "epochs", 1.0, 1, 4)]


def test_stop_after_this_epoch_ends_with_the_epoch_checkpointed(tmp_path: Path) -> None:
    cfg = with_changes(CFG, train={"epochs": 3})
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(cfg)

    on_event = ask_at(store, run_id, (1, 2), "stop_after_epoch", 1)
    result, events = train(store, run_id, cfg, on_event)
    assert result.status == "stopped" and [e.epoch for e in result.history] == [1]
    assert sum(isinstance(e, BatchEnd) for e in events) == 6  # the epoch was finished
    ckpt = load_checkpoint(store.get(run_id).last_checkpoint)
    assert resume_position(ckpt) == (1, 0) and store.get(run_id).status == "stopped"
    store.reopen(run_id, resume_position(ckpt))
    result, events = train(store, run_id, cfg, lambda _e: None, resume=ckpt)
    assert result.status == "finished" and [e.epoch for e in result.history] == [1, 2, 3]


def test_a_change_survives_a_pause_a_stop_and_a_resume(tmp_path: Path) -> None:
    cfg = with_changes(CFG, train={"epochs": 2})
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(cfg)
    pause, stop = threading.Event(), threading.Event()

    def on_event(event: Event) -> None:
        if isinstance(event, BatchEnd) and (event.epoch, event.batch) == (1, 2):
            ask_change(store, run_id, "lr", 0.02)
            pause.set()
        if isinstance(event, RunPaused):  # asked while paused: applied when it goes on
            ask_change(store, run_id, "epochs", 3)
            pause.clear()
        if isinstance(event, BatchEnd) and (event.epoch, event.batch) == (1, 4):
            stop.set()

    result, events = train(store, run_id, cfg, on_event, pause=pause, stop=stop)
    assert result.status == "stopped"
    assert lrs(events) == [(1, 1, 1e-3), (1, 2, 1e-3), (1, 3, 0.02), (1, 4, 0.02)]
    assert [(s.setting, s.epoch, s.batch) for s in events if isinstance(s, Steered)] == [
        ("lr", 1, 2),
        ("epochs", 1, 2),
    ]
    ckpt = load_checkpoint(store.get(run_id).last_checkpoint)
    store.reopen(run_id, resume_position(ckpt))
    # Resumed with the settings as asked, as the window does: the changes come back from the checkpoint.
    result, events = train(store, run_id, cfg, lambda _e: None, resume=ckpt)
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.epochs == 3 and result.status == "finished"
    assert [e.epoch for e in result.history] == [1, 2, 3]
    resumed = [lr for _, _, lr in lrs(events)]
    assert len(resumed) == 14 and resumed == pytest.approx([0.02] * 14)
    assert [(c.setting, c.epoch, c.batch) for c in run_changes(store, run_id)] == [("lr", 1, 2), ("epochs", 1, 2)]
    # The command line resumes from the checkpoint's own settings: the same.
    assert RunConfig.from_dict(ckpt["config"]) == cfg


def test_a_change_applied_after_the_last_checkpoint_is_applied_again_on_resume(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    seq = ask_change(store, run_id, "lr", 0.05)
    from resnet_gui.runs.changes import mark_applied

    with store._connect() as db:  # as if a run applied it at epoch 1, batch 4, then crashed
        mark_applied(db, run_id, seq, 0.05, 1, 4)
    store.reopen(run_id, (0, 2))  # its checkpoint held 2 batches of epoch 1
    assert [c.applied for c in run_changes(store, run_id)] == [False]


def test_only_a_running_run_can_be_steered_and_values_are_checked(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    for setting, value, words in (
        ("lr", 0, "greater than 0"),
        ("lr_scale", -1, "greater than 0"),
        ("epochs", 2.5, "whole number"),
        ("momentum", 0.9, "cannot change"),
    ):
        with pytest.raises(UserError, match=words):
            ask_change(store, run_id, setting, value)
    store.finish(run_id, "finished")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="not running"):
        ask_change(store, run_id, "lr", 0.1)
    with pytest.raises(UserError, match="no run 99"):
        ask_change(store, 99, "lr", 0.1)
