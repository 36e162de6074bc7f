"""Fixtures for the GUI tests: a main window with its background core loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_helpers import CORE_TIMEOUT_MS, RUN_TIMEOUT_MS

from resnet_gui.gui.main_window import MainWindow


@pytest.fixture(scope="session", autouse=True)
def _garbage_collected_in_the_gui_thread(qapp) -> Iterator[None]:
    """As the app does: Qt objects freed by a collection in a worker thread would crash Qt."""
    from resnet_gui.gui.app import collect_garbage_in_gui_thread

    guard = collect_garbage_in_gui_thread()
    yield
    # The collector stays off: an automatic collection during the interpreter's own teardown could
    # free a QObject inside a Qt disconnect, which deadlocks PySide6 (see runs_helpers.settle_garbage).
    guard.timer.stop()


@pytest.fixture(autouse=True)
def _offline_with_private_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RESNET_GUI_OFFLINE", "1")
    monkeypatch.setenv("RESNET_GUI_SETTINGS", str(tmp_path / "settings.ini"))


@pytest.fixture(autouse=True)
def questions_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The window's yes-or-no questions, answered yes and recorded: a modal dialog would block the test.

    A test answers no by replacing the function in ``resnet_gui.gui.questions`` itself.
    """
    from resnet_gui.gui import questions

    asked: list[str] = []

    def answer_yes(text: str):
        def ask(_parent: object) -> bool:
            asked.append(text)
            return True

        return ask

    monkeypatch.setattr(questions, "ask_stop_and_quit", answer_yes(questions.STOP_AND_QUIT))
    monkeypatch.setattr(questions, "ask_reset_settings", answer_yes(questions.RESET_SETTINGS))
    return asked


@pytest.fixture(autouse=True)
def _one_torch_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """One intra-op thread: on a small shared CI machine two spin-waiting threads run 3x slower.

    Tests marked ``all_threads`` train as the app does, with every core.
    """
    import torch

    before = torch.get_num_threads()
    if request.node.get_closest_marker("all_threads") is None:
        torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _no_thread_left_running(qtbot) -> Iterator[None]:
    """Fail a test that leaves a background thread running: every job must end with its view."""
    import threading

    from resnet_gui.gui.jobs import running_threads

    before = {t.ident for t in threading.enumerate()}
    yield
    qtbot.waitUntil(lambda: not running_threads(), timeout=5000)
    extra = [t.name for t in threading.enumerate() if t.ident not in before and not t.daemon and t.is_alive()]
    assert not extra, f"threads left running: {extra}"


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    """A shown main window without persistent settings, torch loaded in the background.

    Closed here rather than by pytest-qt (``qtbot.addWidget``), which closes and deletes its widgets
    before fixtures end: a run still training would then never report its end.
    """
    win = MainWindow(settings=None)
    win.show()
    qtbot.waitUntil(lambda: win.core.info is not None and not win.core.busy, timeout=CORE_TIMEOUT_MS)
    yield win
    if win.training:
        with qtbot.waitSignal(win.run_finished, timeout=RUN_TIMEOUT_MS):
            win.request_stop()
    win.close()
    win.shutdown()
    win.deleteLater()
