"""The window trains on a CUDA GPU and the run history records the device.

Apart from test_cuda.py so that the other GPU tests run where Qt cannot (a GPU machine with torch but
no PySide6 or pytest-qt): this module skips there, saying which is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cuda_helpers import DEVICE, TINY, needs_device

from resnet_gui.runs.store import RunStore

pytest.importorskip("PySide6.QtWidgets", reason="PySide6 is not installed here")
pytest.importorskip("pytestqt", reason="pytest-qt is not installed here")

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

CORE_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 180_000


@needs_device
def test_window_trains_on_cuda_and_records_the_device(qtbot, runs_db: Path, gui_garbage_guard: None) -> None:
    from PySide6.QtCore import Qt

    from resnet_gui.gui.main_window import MainWindow

    win = MainWindow(settings=None)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.core.info is not None and not win.core.busy, timeout=CORE_TIMEOUT_MS)
        win.form.set_config(TINY)
        cfg = win.form.config()
        assert cfg is not None and cfg.train.device == DEVICE, "the form does not offer the device"
        assert win.train_button.isEnabled()
        with qtbot.waitSignal(win.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
            qtbot.mouseClick(win.train_button, Qt.MouseButton.LeftButton)
        assert finished.args == ["finished"], win.banner.message()
        assert [e.epoch for e in win.session.history] == [1, 2]
        assert DEVICE in win.progress.status_label.text()
        runs = RunStore(runs_db).list()
        assert len(runs) == 1
        assert runs[0].status == "finished" and runs[0].device == DEVICE
    finally:
        if win.training:
            with qtbot.waitSignal(win.run_finished, timeout=RUN_TIMEOUT_MS):
                win.request_stop()
        win.shutdown()
