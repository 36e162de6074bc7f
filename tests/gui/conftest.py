"""Fixtures for the GUI tests: a main window with its background core loaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gui_helpers import CORE_TIMEOUT_MS, RUN_TIMEOUT_MS

from resnet_gui.gui.main_window import MainWindow


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_GUI_OFFLINE", "1")


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    """A shown main window without persistent settings, torch loaded in the background."""
    win = MainWindow(settings=None)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.core.info is not None, timeout=CORE_TIMEOUT_MS)
    yield win
    if win.training:
        with qtbot.waitSignal(win.run_finished, timeout=RUN_TIMEOUT_MS):
            win.request_stop()
    win.shutdown()
