"""Background runs: started from the window as a separate process, followed live, left running on close,
followed again from a new window and stopped there."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

import pytest
from gui_helpers import CORE_TIMEOUT_MS, tiny_config
from runs_helpers import runs_db, settle_garbage, table_texts, wait_for_panel

from resnet_gui.gui.form.run_controls import BackgroundControls
from resnet_gui.gui.main_window import MainWindow
from resnet_gui.runs.processes import command, is_cli_run, process_alive, stop_process
from resnet_gui.runs.store import RunStore

START_TIMEOUT_MS = 30000


def _new_window(qtbot) -> MainWindow:
    win = MainWindow(settings=None)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.core.info is not None and not win.core.busy, timeout=CORE_TIMEOUT_MS)
    return win


@pytest.fixture
def started_pids() -> Iterator[list[int]]:
    """Process ids to kill (group and all) if a test leaves them running."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def test_background_run_survives_the_window_and_is_followed_and_stopped(
    qtbot, runs_db, monkeypatch, started_pids
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the run's process shares the CPU with the tests
    win = _new_window(qtbot)
    win.form.set_config(tiny_config(epochs=60, batch_size=100))
    win.background_controls.check.setChecked(True)
    assert win.train_button.isEnabled()
    win.train_button.click()
    assert win.session.following and win.session.launched is not None
    launcher = win.session.launched.pid
    started_pids.append(launcher)
    assert f"pid {launcher}" in win.progress.status_label.text()

    # Its epochs reach the plots and the Runs tab lists it as running.
    qtbot.waitUntil(lambda: win.plots.epoch_points() >= 1, timeout=START_TIMEOUT_MS)
    run_id = win.session.run_id
    assert run_id is not None and win.session.history and win.session.history[0].epoch == 1
    assert "background run" in win.progress.status_label.text().lower()
    assert win.stop_button.isEnabled() and not win.train_button.isEnabled()
    qtbot.waitUntil(
        lambda: any(r.id == run_id and r.status == "running" for r in win.runs_panel.runs()), timeout=START_TIMEOUT_MS
    )
    assert RunStore(runs_db).get(run_id).pid == launcher

    # Closing the window leaves the run going.
    win.close()
    assert process_alive(launcher)
    settle_garbage()

    # A new window lists it as running and follows it by itself, live (not "Idle" until Follow is pressed).
    win2 = _new_window(qtbot)
    win2.tabs.setCurrentWidget(win2.runs_panel)
    qtbot.waitUntil(lambda: any(r.id == run_id for r in win2.runs_panel.runs()), timeout=START_TIMEOUT_MS)
    assert table_texts(win2.runs_panel, run_id)["Name"] == "resnet 1 · lr 0.001 · sample"  # says what it is
    assert win2.runs_panel.run(run_id).status == "running"
    qtbot.waitUntil(lambda: win2.session.following, timeout=START_TIMEOUT_MS)
    assert win2.session.run_id == run_id and not win2.train_button.isEnabled()
    done = win2.runs_panel.run(run_id).epochs_done
    qtbot.waitUntil(lambda: win2.plots.epoch_points() >= max(done, 1) + 1, timeout=START_TIMEOUT_MS)
    assert f"pid {launcher}" in win2.statusBar().currentMessage() + win2.progress.status_label.text()

    # Stop ends it as "stopped" within seconds; the process is gone.
    assert win2.stop_button.isEnabled()
    win2.stop_button.click()
    qtbot.waitUntil(lambda: win2.session.last_status != "", timeout=15000)
    assert win2.session.last_status == "stopped"
    assert not win2.session.following
    qtbot.waitUntil(lambda: not process_alive(launcher), timeout=10000)
    qtbot.waitUntil(lambda: win2.runs_panel.run(run_id).status == "stopped", timeout=10000)
    assert win2.progress.status_label.text().startswith("Stopped")
    win2.close()


def test_processes_must_divide_the_batch(qtbot) -> None:
    controls = BackgroundControls()
    qtbot.addWidget(controls)
    controls.set_batch_size(100)
    controls.processes.setValue(min(3, controls.processes.maximum()))
    assert controls.problem() == ""  # not in the background: the spin box does not apply
    controls.check.setChecked(True)
    if controls.processes.maximum() >= 3:
        assert "not divisible by 3" in controls.problem() and not controls.warning.isHidden()
    controls.processes.setValue(2 if controls.processes.maximum() >= 2 else 1)
    assert controls.problem() == "" and controls.warning.isHidden()


def test_command_lines(tmp_path) -> None:
    cfg, db = tmp_path / "a.toml", tmp_path / "runs.sqlite"
    assert command(cfg, db, "n") == [
        sys.executable,
        "-m",
        "resnet_gui",
        "train",
        "--config",
        str(cfg),
        "--runs-db",
        str(db),
        "--name",
        "n",
    ]
    assert command(cfg, db, "n", 4)[:6] == [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "4",
    ]
    assert command(cfg, db, "n", 4)[6:9] == ["-m", "resnet_gui", "train"]


def test_stop_never_signals_a_process_that_is_not_a_cli_run() -> None:
    assert not is_cli_run(os.getpid())
    assert not stop_process(os.getpid())  # the test process (like another window training in-process) survives
