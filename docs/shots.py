"""What the screenshot scripts share (import it before Qt): the app offscreen on a throwaway settings
file, run history and folder cache; waiting on the event loop; the main window at the README's size;
grabbing a widget in each theme asked for (light as ``screenshot-NAME.png``, dark as ``-dark.png``).

Pictures go to docs/, or to the folder in $RESNET_GUI_SHOTS.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
TMP = Path(tempfile.mkdtemp(prefix="resnet-gui-shots-"))
os.environ["RESNET_GUI_RUNS"] = str(TMP / "runs.sqlite")
os.environ["RESNET_GUI_SETTINGS"] = str(TMP / "settings.ini")
os.environ["RESNET_GUI_CACHE"] = str(TMP / "cache")
os.environ["RESNET_GUI_OFFLINE"] = "1"

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from resnet_gui.gui import theme  # noqa: E402
from resnet_gui.gui.app import collect_garbage_in_gui_thread, create_app  # noqa: E402
from resnet_gui.gui.main_window import MainWindow  # noqa: E402

OUT = Path(os.environ.get("RESNET_GUI_SHOTS", Path(__file__).resolve().parent))
THEMES = ("light", "dark")


def wait(cond: Callable[[], object], ms: int = 900_000) -> None:
    """Run the event loop until ``cond()`` holds; TimeoutError after ``ms``."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: cond() and loop.quit())
    timer.start(50)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    timer.stop()
    if not cond():
        raise TimeoutError("the window did not get there in time")


def add_themes_option(parser: argparse.ArgumentParser) -> None:
    """``--themes light,dark`` (the default: both, in one pass)."""
    parser.add_argument("--themes", default=",".join(THEMES), help="comma-separated: light, dark (default: both)")


def chosen_themes(args: argparse.Namespace) -> list[str]:
    """The themes asked for, in order."""
    return [t for t in args.themes.split(",") if t in THEMES]


def open_window(
    themes: Sequence[str], size: tuple[int, int] | None = (1200, 760)
) -> tuple[QApplication, MainWindow, Any]:
    """The app and a shown main window in the first theme, torch loaded; keep the third value alive."""
    app = create_app([])
    guard = collect_garbage_in_gui_thread()
    win = MainWindow(settings=None)
    theme.apply_theme(app, themes[0])
    if size is not None:
        win.resize(*size)
    win.show()
    wait(lambda: win.core.info is not None and not win.core.busy)
    return app, win, guard


def grab(app: QApplication, widget: QWidget, name: str, themes: Sequence[str], settle: int = 3) -> None:
    """Save ``widget`` as ``screenshot-NAME[-dark].png`` in each theme (``settle`` rounds of events first)."""
    for chosen in themes:
        theme.apply_theme(app, chosen)
        for _ in range(settle):
            app.processEvents()
        suffix = "" if chosen == "light" else f"-{chosen}"
        widget.grab().save(str(OUT / f"screenshot-{name}{suffix}.png"))
