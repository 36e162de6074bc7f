"""Start the desktop app: QApplication, settings, the main window.

Nothing here imports torch: the window paints first and the core loads in the background.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ..training import host_memory
from .display import display_problem
from .main_window import MainWindow

APP_NAME = "resnet-gui"
ORG_NAME = "resnet-gui"
SETTINGS_ENV = "RESNET_GUI_SETTINGS"
SIGNAL_POLL_MS = 200


def open_settings() -> QSettings:
    """The app's settings: an INI file at $RESNET_GUI_SETTINGS when set, else the platform default."""
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings()


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (reused if one exists), named so QSettings has a home."""
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    return app


def create_window(settings: QSettings | None = None) -> MainWindow:
    """A shown main window wired to ``settings``."""
    window = MainWindow(settings if settings is not None else open_settings())
    window.show()
    return window


def collect_garbage_in_gui_thread() -> GarbageCollector:
    """Turn automatic garbage collection into a GUI-thread timer (keep the returned object alive).

    Python may otherwise collect in whichever thread allocates, and Qt objects freed from a
    training or summary thread crash Qt.
    """
    return GarbageCollector(interval=1.0)


def close_on_signals(window: MainWindow) -> QTimer:
    """Ctrl-C and SIGTERM close ``window`` as its close button does, without asking: a run in progress
    stops after its current batch, is checkpointed and recorded as stopped, then the app exits.

    Python runs signal handlers only when it gets control, which Qt's event loop (C++) does not
    give; the returned timer (keep it alive) wakes Python a few times a second for that.
    """

    def on_signal(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.closing.close_without_asking)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(SIGNAL_POLL_MS)
    return timer


def main(argv: Sequence[str] | None = None) -> int:
    """Run the GUI until its window closes; returns the exit code (1 with a line on stderr when it cannot open)."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    host_memory.share_main_arena()  # before any thread: training threads then reuse freed memory
    app = create_app(argv)
    gc_guard = collect_garbage_in_gui_thread()  # noqa: F841 - kept alive for the app's lifetime
    window = create_window()
    signals = close_on_signals(window)  # noqa: F841 - kept alive for the app's lifetime
    app.aboutToQuit.connect(window.shutdown)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
