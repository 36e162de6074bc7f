"""Changing a run from the window while it trains or is paused: the learning rate and the epochs asked
through the run controls, applied by the run, marked on the plots; and Stop after epoch."""

from __future__ import annotations

import re

import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config, type_into
from PySide6.QtCore import Qt
from runs_helpers import runs_db, window

from resnet_gui.runs.changes import run_changes
from resnet_gui.runs.store import RunStore

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def pause(qtbot, window) -> int:
    """Pause the run and wait until it holds; the epoch it holds in."""
    with qtbot.waitSignal(window.session.paused_at, timeout=RUN_TIMEOUT_MS) as held:
        qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    return int(held.args[0])


def start_and_pause(qtbot, window, epochs: int) -> int:
    window.form.set_config(tiny_config(epochs=epochs, batch_size=64))
    assert window.controls.steer.isHidden() and not window.controls.stop_after_epoch_button.isEnabled()
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.plots.batch_loss.x) > 0, timeout=RUN_TIMEOUT_MS)
    return pause(qtbot, window)


def test_the_learning_rate_and_epochs_are_changed_from_the_run_controls(qtbot, window, runs_db) -> None:
    start_and_pause(qtbot, window, epochs=3)
    steer = window.controls.steer
    assert steer.isVisible() and steer.isEnabled() and steer.epochs.value() == 3
    steer.lr_mode.setCurrentIndex(steer.lr_mode.findData("lr"))
    type_into(qtbot, steer.lr_value, "abc")
    qtbot.mouseClick(steer.lr_apply, Qt.MouseButton.LeftButton)
    assert steer.problem.isVisible() and "must be a number" in steer.problem.text()
    type_into(qtbot, steer.lr_value, "0.01")
    qtbot.mouseClick(steer.lr_apply, Qt.MouseButton.LeftButton)
    assert not steer.problem.isVisible()
    qtbot.waitUntil(lambda: bool(run_changes(RunStore(runs_db), window.session.run_id)), timeout=5000)
    with qtbot.waitSignal(window.session.steered, timeout=RUN_TIMEOUT_MS) as steered:
        qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)  # applied once it goes on
    assert (steered.args[0].setting, steered.args[0].value) == ("lr", 0.01)
    qtbot.waitUntil(lambda: window.plots.lr.y.size > 0 and window.plots.lr.y[-1] == pytest.approx(0.01), timeout=5000)
    assert window.plots.change_markers.labels == ["lr 0.01"]

    pause(qtbot, window)
    steer.epochs.setValue(1)  # fewer than done: the run ends after the epoch under way
    qtbot.mouseClick(steer.epochs_apply, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(run_changes(RunStore(runs_db), window.session.run_id)) == 2, timeout=5000)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    # Applied in the epoch it paused in, or (a background read every 0.2 s) the next on a fast machine.
    changes = run_changes(RunStore(runs_db), window.session.run_id)
    epoch = changes[1].epoch or 0
    assert [(c.setting, c.value) for c in changes] == [("lr", 0.01), ("epochs", float(epoch))]
    assert finished.args == ["finished"] and [e.epoch for e in window.session.history] == list(range(1, epoch + 1))
    assert window.plots.change_markers.labels == ["lr 0.01", f"epochs {epoch}"]
    assert window.controls.steer.isHidden()
    runs = window.runs_panel  # the run's details list its changes
    qtbot.waitUntil(lambda: any(r.id == window.session.run_id for r in runs.runs()), timeout=10000)
    with qtbot.waitSignal(runs.details_shown, timeout=10000):
        runs.select_runs([window.session.run_id])
    said = rf"lr 0\.01 at epoch {changes[0].epoch}, batch \d+; epochs {epoch} at epoch {epoch}, batch \d+"
    assert re.fullmatch(r"Run \d+ \(.*\) was changed while training: " + said, runs.changes_line.text())


def test_stop_after_epoch_finishes_the_epoch_then_stops(qtbot, window, runs_db) -> None:
    start_and_pause(qtbot, window, epochs=50)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.controls.stop_after_epoch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(run_changes(RunStore(runs_db), window.session.run_id)), timeout=5000)
        qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    (change,) = run_changes(RunStore(runs_db), window.session.run_id)
    epoch = change.epoch or 0  # the epoch under way when the run read the request
    assert finished.args == ["stopped"] and [e.epoch for e in window.session.history] == list(range(1, epoch + 1))
    run = RunStore(runs_db).get(window.session.run_id)
    assert run.status == "stopped" and run.epochs_done == epoch and run.last_checkpoint
    assert window.plots.change_markers.labels == ["stop after epoch"]
