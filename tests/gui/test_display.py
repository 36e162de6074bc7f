"""Started where no window can open, the app says why in one line and exits 1 (no core dump)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import resnet_gui.gui.display as display

REPO = Path(__file__).resolve().parents[2]


def test_no_display_is_one_line_and_exit_1() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, "-m", "resnet_gui"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == display.NO_DISPLAY and "ssh -X" in proc.stderr and "resnet-gui train" in proc.stderr


def test_missing_x11_libraries_are_named_with_their_packages(monkeypatch) -> None:
    monkeypatch.setattr(display.ctypes.util, "find_library", lambda name: None if name == "xcb-cursor" else name)
    problem = display.display_problem({"DISPLAY": ":0"}, "linux")
    assert "sudo apt install libxcb-cursor0" in problem and "\n" not in problem
    monkeypatch.setattr(display.ctypes.util, "find_library", lambda name: name)
    assert display.display_problem({"DISPLAY": ":0"}, "linux") == ""
    assert display.display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") == ""
    assert display.display_problem({}, "darwin") == ""
    assert display.display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") == ""
