"""Before Train, the window says what the run will cost; while it trains, the machine's load; when it ends
out of sight, the desktop is told."""

from __future__ import annotations

import itertools
import time

import pytest
from gui_helpers import RUN_TIMEOUT_MS, long_config, tiny_config
from PySide6.QtCore import Qt, QTimer

from resnet_gui.gui import notify
from resnet_gui.gui.session import estimates
from resnet_gui.gui.tabs.training.progress_panel import ProgressPanel
from resnet_gui.runs.store import RunStore
from resnet_gui.training import estimate, timings
from resnet_gui.training.events import BatchEnd, EpochEnd

ESTIMATE_TIMEOUT_MS = 60000


@pytest.fixture(autouse=True)
def _fresh_timings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No timings cached yet; the probe alone is timed (a short one is not repeated)."""
    monkeypatch.setenv("RESNET_GUI_ESTIMATES", str(tmp_path / "estimates.json"))
    monkeypatch.setattr(estimate, "MIN_TIMED_S", 0.0)
    timings.forget_cached()
    yield
    timings.forget_cached()


def allow_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_GUI_TIME_ESTIMATES", "1")


def test_the_cost_line_shows_before_train_and_the_window_stays_responsive(qtbot, window, monkeypatch) -> None:
    allow_timing(monkeypatch)
    timing: list[bool] = []
    window.controls.estimates.timing.connect(lambda: timing.append(window.controls.cost.plain_text().endswith("time…")))
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    heartbeat.start()
    try:
        window.form.set_config(tiny_config(epochs=3))
        qtbot.waitUntil(lambda: "· about " in window.controls.cost.plain_text(), timeout=ESTIMATE_TIMEOUT_MS)
    finally:
        heartbeat.stop()
    text = window.controls.cost.plain_text()
    assert timing == [True]  # "estimating the time…" while it was timed
    assert "parameters · needs ~" in text and "on cpu (fp32)" in text and window.controls.cost.isVisible()
    assert "3 epochs ×" in window.controls.cost.toolTip()
    assert window.train_button.isEnabled() and not window.training
    assert len(beats) > 10
    longest = max(b - a for a, b in itertools.pairwise(beats))
    assert longest < 0.2, f"the event loop stalled for {longest * 1000:.0f} ms"
    # More epochs: the same timings, at once.
    window.form.set_config(tiny_config(epochs=6))
    qtbot.waitUntil(lambda: "6 epochs ×" in window.controls.cost.toolTip(), timeout=5000)
    assert timing == [True]


def test_invalid_settings_hide_the_line(qtbot, window) -> None:
    window.form.set_config(tiny_config())
    qtbot.waitUntil(lambda: "parameters" in window.controls.cost.plain_text(), timeout=ESTIMATE_TIMEOUT_MS)
    # Timing is off (the tests' setting) and nothing is cached: the line says so.
    qtbot.waitUntil(lambda: "time not estimated" in window.controls.cost.plain_text(), timeout=ESTIMATE_TIMEOUT_MS)
    window.controls.set_form(False, 0, None)
    assert not window.controls.cost.isVisible()


def test_no_estimate_runs_while_a_run_trains_and_the_form_is_estimated_after(qtbot, window, monkeypatch) -> None:
    allow_timing(monkeypatch)
    calls: list[bool] = []  # whether a run was training when an estimate job began
    real = estimates.estimate_costs
    monkeypatch.setattr(
        estimates, "estimate_costs", lambda ctx, cfg: calls.append(window.session.busy) or real(ctx, cfg)
    )
    window.form.set_config(long_config())
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)  # before the debounce has fired
    qtbot.waitUntil(lambda: len(window.plots.batch_loss.x) > 0, timeout=RUN_TIMEOUT_MS)
    qtbot.wait(2 * estimates.DEBOUNCE_MS)
    assert calls == [] and not window.controls.estimates.busy
    with qtbot.waitSignal(window.run_finished, timeout=5000):
        window.request_stop()
    qtbot.waitUntil(lambda: "· about " in window.controls.cost.plain_text(), timeout=ESTIMATE_TIMEOUT_MS)
    assert calls and not any(calls)


def test_the_estimate_is_stored_with_the_run_and_compared_when_it_ends(qtbot, window, monkeypatch) -> None:
    allow_timing(monkeypatch)
    shown: list = []
    window.controls.estimates.estimated.connect(shown.append)
    window.form.set_config(tiny_config())
    qtbot.waitUntil(lambda: bool(shown), timeout=ESTIMATE_TIMEOUT_MS)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    run = RunStore(window.session.runs_db).get(window.session.run_id)
    assert run.estimated_s == pytest.approx(shown[-1].seconds)
    qtbot.waitUntil(lambda: f"Run {run.id} took " in window.controls.cost.plain_text(), timeout=5000)
    assert "(estimated " in window.controls.cost.plain_text()


def test_the_load_readout_shows_cpu_and_memory_while_training(qtbot, window) -> None:
    window.form.set_config(long_config())
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    label = window.progress.load_label
    qtbot.waitUntil(lambda: "CPU" in label.text(), timeout=RUN_TIMEOUT_MS)
    assert window.training
    assert label.text().startswith("CPU ") and " % · RAM " in label.text() and label.text().endswith("B")
    with qtbot.waitSignal(window.run_finished, timeout=5000):
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)


def test_a_followed_run_shows_the_load_of_its_recorded_epochs(qtbot) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    epoch = EpochEnd(1, 0.5, 0.8, 0.7, 2.0, 1500.0, 1e-3, cpu_percent=87.0, ram_bytes=1.5e9)
    panel.show_epoch(epoch)
    assert panel.load_label.text() == "epoch 1: CPU 87 % · RAM 1.5 GB (mean load, peak memory)"
    panel.show_batch(BatchEnd(2, 3, 10, 0.5, 0.0, 0.0, 0.0))  # as the run history gives them: no load
    assert "CPU 87 %" in panel.load_label.text()
    panel.show_finished("finished")
    assert panel.load_label.text().startswith("last epoch 1: CPU 87 %")
    panel.reset()
    assert panel.load_label.text() == "—"


def test_a_run_ending_out_of_sight_alerts_the_desktop_without_a_tray(qtbot, window, monkeypatch) -> None:
    alerted: list = []
    monkeypatch.setattr(notify, "window_in_front", lambda _window: False)
    monkeypatch.setattr(notify, "alert", alerted.append)
    monkeypatch.setattr(notify, "tray_available", lambda: False)
    reported: list = []
    window.controls.notifier.reported.connect(reported.append)
    window.form.set_config(tiny_config())
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(alerted), timeout=5000)
    assert alerted == [window]
    (outcome,) = reported
    message = outcome.message()
    assert message.startswith(f"Run {window.session.run_id} finished: test accuracy 0.") and " in " in message
    assert outcome.duration_s > 0 and outcome.test_acc == window.session.history[-1].test_acc


def test_a_run_ending_in_front_tells_the_desktop_nothing(qtbot, window, monkeypatch) -> None:
    alerted: list = []
    monkeypatch.setattr(notify, "window_in_front", lambda _window: True)
    monkeypatch.setattr(notify, "alert", alerted.append)
    reported: list = []
    window.controls.notifier.reported.connect(reported.append)
    window.form.set_config(tiny_config(epochs=1))
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(reported), timeout=5000)
    assert alerted == []


def test_outcome_messages() -> None:
    done = notify.RunOutcome(3, "finished", 5, 0.9123, 250.0, 235.0)
    assert done.message() == "Run 3 finished: test accuracy 0.912 in 4 min 10 s"
    assert done.timing() == "Run 3 took 4 min 10 s (estimated 3 min 55 s, +6 %)"
    stopped = notify.RunOutcome(4, "stopped", 1, 0.8, 61.0)
    assert stopped.message() == "Run 4 stopped: test accuracy 0.800 after 1 epoch in 1 min 1 s"
    assert stopped.timing() == "Run 4 took 1 min 1 s"
    assert notify.RunOutcome(None, "failed", 0).message() == "The run failed"
