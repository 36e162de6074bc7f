"""Pause and Resume during training: the run holds still, then finishes; Stop and close still work."""

from __future__ import annotations

import time

import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import Qt
from runs_helpers import runs_db, window

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def start_and_pause(qtbot, window, epochs: int = 3) -> None:
    window.form.set_config(tiny_config(epochs=epochs, batch_size=64))
    assert not window.pause_button.isEnabled()
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.plots.batch_loss.x) > 0, timeout=RUN_TIMEOUT_MS)
    assert window.pause_button.isEnabled() and window.pause_button.text() == "Pause"
    with qtbot.waitSignal(window.session.paused_at, timeout=RUN_TIMEOUT_MS):  # the run has come to a halt
        qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
        assert window.session.paused and window.pause_button.text() == "Resume"
        assert window.progress.status_label.text().startswith("Paused")
    assert window.progress.status_label.text().startswith("Paused at epoch ")


def test_pause_holds_the_run_and_resume_finishes_it(qtbot, window) -> None:
    start_and_pause(qtbot, window)
    batches, epochs = len(window.plots.batch_loss.x), len(window.session.history)
    qtbot.wait(1200)
    assert (len(window.plots.batch_loss.x), len(window.session.history)) == (batches, epochs)
    assert window.training and window.progress.status_label.text().startswith("Paused")

    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
        assert not window.session.paused and window.pause_button.text() == "Pause"
        assert not window.progress.status_label.text().startswith("Paused")
    assert finished.args == ["finished"]
    assert [e.epoch for e in window.session.history] == [1, 2, 3]
    assert not window.pause_button.isEnabled()


def test_stop_while_paused_ends_the_run_as_stopped(qtbot, window) -> None:
    start_and_pause(qtbot, window, epochs=50)
    t0 = time.perf_counter()
    with qtbot.waitSignal(window.run_finished, timeout=5000) as finished:
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
        assert not window.pause_button.isEnabled()
    assert finished.args == ["stopped"]
    assert time.perf_counter() - t0 < 3.0
    assert window.progress.status_label.text().startswith("Stopped")
    assert window.pause_button.text() == "Pause" and window.train_button.isEnabled()


def test_closing_while_paused_stops_then_closes_cleanly(qtbot, window, capfd) -> None:
    start_and_pause(qtbot, window, epochs=50)
    assert not window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not window.training and window.session.last_status == "stopped"
    window.shutdown()
    out, err = capfd.readouterr()
    assert "QThread: Destroyed" not in out + err
