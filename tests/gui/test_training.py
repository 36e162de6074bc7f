"""Real (tiny) training runs through the window: finish, stop, close, stay responsive, fail well."""

from __future__ import annotations

import itertools
import time

import pytest
from gui_helpers import RUN_TIMEOUT_MS, long_config, tiny_config
from PySide6.QtCore import Qt, QTimer

from resnet_gui.settings.config import with_changes

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def start_run(qtbot, window) -> None:
    assert window.train_button.isEnabled()
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    assert window.training and not window.train_button.isEnabled()


def wait_for_first_batch(qtbot, window) -> None:
    qtbot.waitUntil(lambda: len(window.plots.batch_loss.x) > 0, timeout=RUN_TIMEOUT_MS)


def test_a_short_run_finishes_with_two_epoch_points_and_full_progress(qtbot, window) -> None:
    window.form.set_config(tiny_config())
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        start_run(qtbot, window)
    assert finished.args == ["finished"]
    assert window.plots.epoch_points() == 2
    x, y = window.plots.test_acc.curve.getData()
    assert list(x) == [1, 2] and all(0.0 <= a <= 1.0 for a in y)
    assert window.progress.run_percent() == 100
    assert window.progress.epoch_percent() == 100
    status = window.progress.status_label.text()
    assert status.startswith("Finished") and "cpu" in status and ("fp32" in status or "bf16" in status)
    assert [e.epoch for e in window.session.history] == [1, 2]
    best = max(e.test_acc for e in window.session.history)
    summary = window.result_line.message()
    assert window.result_line.isVisible() and summary.startswith(f"Run {window.session.run_id} finished: ")
    assert f"best test accuracy {best:.3f}" in summary and "2 of 2 epochs in 0:" in summary
    assert "test loss" in summary
    assert window.train_button.isEnabled() and not window.stop_button.isEnabled()
    assert not window.training
    assert not window.banner.isVisible()


def test_stop_ends_the_run_as_stopped_within_seconds(qtbot, window) -> None:
    window.form.set_config(long_config())
    start_run(qtbot, window)
    wait_for_first_batch(qtbot, window)
    assert window.stop_button.isEnabled()
    t0 = time.perf_counter()
    with qtbot.waitSignal(window.run_finished, timeout=5000) as finished:
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["stopped"]
    assert time.perf_counter() - t0 < 3.0
    assert window.progress.status_label.text().startswith("Stopped")
    assert not window.training
    assert window.train_button.isEnabled()


def test_closing_mid_run_stops_then_closes_cleanly(qtbot, window, capfd) -> None:
    window.form.set_config(long_config())
    start_run(qtbot, window)
    wait_for_first_batch(qtbot, window)
    assert not window.close()
    assert window.isVisible()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not window.training
    assert window.session.last_status == "stopped"
    window.shutdown()
    out, err = capfd.readouterr()
    assert "QThread: Destroyed" not in out + err


@pytest.mark.all_threads
def test_window_stays_responsive_while_training(qtbot, window) -> None:
    window.form.set_config(tiny_config(epochs=3))
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    heartbeat.start()
    try:
        with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
            start_run(qtbot, window)
    finally:
        heartbeat.stop()
    assert finished.args == ["finished"]
    assert len(beats) > 20
    longest = max(b - a for a, b in itertools.pairwise(beats))
    # Training on all threads of a 2-core host leaves the GUI thread waiting for a core and the GIL: on the
    # shared host's slow hours this stalled 228-273 ms (2026-11-30, 15:10 UTC, the code of the day before too).
    # Work done in the GUI thread (loading, building, a training step) stalls it for seconds.
    assert longest < 0.35, f"the event loop stalled for {longest * 1000:.0f} ms"


def test_starting_a_run_never_holds_the_event_loop_for_long(qtbot, window) -> None:
    # Only the start is measured: the gap in which the first epoch's end was handled, and every gap after it,
    # are left out (a fast machine ends the first epoch within the measurement). A run's end and its epochs'
    # ends (the Results tab's matrix and galleries) are measured by the test above.
    window.form.set_config(tiny_config(epochs=20, batch_size=64))
    qtbot.waitUntil(lambda: window.core.info is not None and not window.core.busy, timeout=RUN_TIMEOUT_MS)
    beats: list[tuple[float, float, int]] = []  # (wall clock, the GUI thread's own CPU time, epochs ended)
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(
        lambda: beats.append((time.perf_counter(), time.thread_time(), len(window.session.history)))
    )
    heartbeat.start()
    try:
        qtbot.wait(100)
        clicked = time.perf_counter()
        start_run(qtbot, window)  # data loaded, network built, the first batches trained: all in the worker
        qtbot.waitUntil(lambda: len(window.plots.batch_loss.x) > 0, timeout=RUN_TIMEOUT_MS)
        first_batch = time.perf_counter()
        qtbot.wait(200)
    finally:
        heartbeat.stop()
        window.session.stop()
        qtbot.waitUntil(lambda: not window.training, timeout=RUN_TIMEOUT_MS)
    gaps = [
        (b[0] - a[0], b[1] - a[1], a[0] - clicked)
        for a, b in itertools.pairwise(beats)
        if b[0] >= clicked and b[2] == 0
    ]
    assert gaps and beats[-1][0] >= first_batch, "no heartbeat between Train and the first batch"
    longest, cpu, at = max(gaps)
    said = f"the event loop stalled {longest * 1000:.0f} ms ({cpu * 1000:.0f} ms of it the GUI thread's own work)"
    # The Train click's own work (the views emptied, the form disabled and repainted) takes 60-120 ms of the
    # GUI thread on a quiet host and up to 220 ms in the shared host's slow hours (2026-11-30, 15:10 UTC, the
    # code of the day before too); the GUI thread also waits for the GIL while the run's thread imports and
    # builds. Loading the data or building the network in the GUI thread would take seconds.
    assert cpu < 0.3, f"{said}, {at:.2f} s after Train"
    assert longest < 0.5, f"{said}, {at:.2f} s after Train"


def test_missing_data_shows_the_banner_and_the_sample_button_recovers(qtbot, window, tmp_path) -> None:
    cfg = with_changes(tiny_config(), data={"dataset": "fashion-mnist", "root": str(tmp_path)})
    window.form.set_config(cfg)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        start_run(qtbot, window)
    assert finished.args == ["failed"]
    banner = window.banner
    assert banner.isVisible()
    assert "Fashion-MNIST" in banner.message() and "Traceback" not in banner.message()
    assert banner.sample_button.isVisible()
    assert window.train_button.isEnabled()

    qtbot.mouseClick(banner.sample_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
    assert window.form.config().data.dataset == "sample"
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        start_run(qtbot, window)
    assert finished.args == ["finished"]
    assert window.plots.epoch_points() == 2


def test_an_unexpected_error_is_shown_briefly_with_its_traceback_on_stderr(qtbot, window, monkeypatch, capfd) -> None:
    import resnet_gui.training.engine as engine

    def broken_fit(*args, **kwargs):  # stands in for a bug inside the engine
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "fit", broken_fit)
    window.form.set_config(tiny_config())
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        start_run(qtbot, window)
    assert window.banner.message() == "Training failed: RuntimeError: boom"
    assert not window.banner.sample_button.isVisible()
    _, err = capfd.readouterr()
    assert "Traceback" in err and "RuntimeError: boom" in err
