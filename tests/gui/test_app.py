"""The app as a user starts it: fast first paint without torch, settings remembered, clean exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

FIRST_PAINT = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    from PySide6.QtCore import QEvent, QObject, QTimer
    from resnet_gui.gui import app as gui_app
    t_imported = time.perf_counter()

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and "painted" not in result:
                result["painted"] = time.perf_counter() - t0
                result["imports"] = t_imported - t0
                result["torch_loaded"] = "torch" in sys.modules
                QTimer.singleShot(0, window.close)
            return False

    result = {}
    application = gui_app.create_app([])
    spy = FirstPaint()
    application.installEventFilter(spy)
    window = gui_app.create_window()
    application.exec()
    print(json.dumps(result))
""")

CLOSE_MID_RUN = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QTimer
    from resnet_gui.settings.config import RunConfig
    from resnet_gui.gui import app as gui_app, questions

    cfg = RunConfig.from_dict({"model": {"blocks": [1, 1], "channels": 16},
                               "data": {"dataset": "sample", "resize": 0},
                               "train": {"epochs": 500, "batch_size": 64, "precision": "fp32"}})
    state = {"step": "load", "asked": []}
    questions.ask_stop_and_quit = lambda parent: state["asked"].append(parent.training) or True
    make_window = gui_app.create_window

    def create_window(settings=None):
        window = make_window(settings)
        timer = QTimer(window)

        def drive():
            if state["step"] == "load" and window.core.info is not None:
                window.form.set_config(cfg)
                window.train_button.click()
                state["step"] = "train"
            elif state["step"] == "train" and window.plots.batch_loss.x:
                state["step"] = "closing"
                state["close_accepted"] = window.close()
                state["status"] = lambda: window.session.last_status

        timer.timeout.connect(drive)
        timer.start(20)
        return window

    gui_app.create_window = create_window
    rc = gui_app.main([])
    reopened = make_window(gui_app.open_settings())
    print(json.dumps({"rc": rc, "close_accepted": state["close_accepted"], "asked": state["asked"],
                      "status": state["status"](), "step": state["step"],
                      "saved": reopened.form.config().to_dict() == cfg.to_dict()}))
    reopened.shutdown()
""")


SIGNAL_MID_RUN = CLOSE_MID_RUN.replace(
    'state["close_accepted"] = window.close()',
    'state["close_accepted"] = False; import os, signal; os.kill(os.getpid(), getattr(signal, sys.argv[1]))',
)


def run_script(code: str, tmp_path: Path, timeout: float = 60, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        RESNET_GUI_OFFLINE="1",
        OMP_NUM_THREADS="1",
        RESNET_GUI_SETTINGS=str(tmp_path / "settings.ini"),
        RESNET_GUI_RUNS=str(tmp_path / "runs.sqlite"),
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_window_paints_within_two_seconds_before_torch_loads(tmp_path: Path) -> None:
    proc = run_script(FIRST_PAINT, tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["torch_loaded"] is False
    # Within 2 s of the program's start on the development machine; on a slow day of the shared host
    # Qt's and pyqtgraph's imports alone took 1.2-1.4 s, so what the app itself adds is held to 1 s.
    assert result["painted"] - result["imports"] < 1.0, result


def test_closing_the_app_mid_run_stops_exits_cleanly_and_remembers_the_form(tmp_path: Path) -> None:
    proc = run_script(CLOSE_MID_RUN, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "QThread: Destroyed" not in proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {
        "rc": 0,
        "close_accepted": False,
        "asked": [True],  # asked once, while the run was training
        "status": "stopped",
        "step": "closing",
        "saved": True,
    }


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_sigterm_and_ctrl_c_stop_the_run_with_a_checkpoint_and_close(tmp_path: Path, sig: str) -> None:
    from resnet_gui.runs.store import RunStore

    proc = run_script(SIGNAL_MID_RUN, tmp_path, 60, sig)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["status"] == "stopped" and result["step"] == "closing"
    assert result["asked"] == []  # a signal closes without the question
    (run,) = RunStore(tmp_path / "runs.sqlite").list()
    assert run.status == "stopped" and Path(run.last_checkpoint).is_file()
