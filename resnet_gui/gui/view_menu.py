"""The View menu: follow the desktop's colour scheme, or force the light or the dark theme.

The choice is applied at once (``theme.apply_theme``) and remembered in the window's QSettings;
a window reads it back when it is built.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QMenuBar

from . import theme

LABELS = {"system": "Follow &system", "light": "&Light", "dark": "&Dark"}
TIPS = {
    "system": "Light or dark as the desktop's colour scheme is, following its changes",
    "light": "The light theme, whatever the desktop's scheme",
    "dark": "The dark theme, whatever the desktop's scheme",
}


def _insert_before_help(bar: QMenuBar, menu: QMenu) -> None:
    """Add ``menu`` to ``bar``, before a Help menu when there is one (platform convention: Help is last)."""
    for action in bar.actions():
        if action.text().replace("&", "") == "Help":
            bar.insertMenu(action, menu)
            return
    bar.addMenu(menu)


class ViewMenu(QObject):
    """Shows ``window`` in the remembered theme and adds the View menu that changes it."""

    def __init__(self, window: QMainWindow, settings: QSettings | None) -> None:
        super().__init__(window)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        self._settings = settings
        self.menu = QMenu("&View", window)
        self.menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for choice, label in LABELS.items():
            action = QAction(label, window)
            action.setCheckable(True)
            action.setToolTip(TIPS[choice])
            action.triggered.connect(partial(self._on_triggered, choice))
            group.addAction(action)
            self.menu.addAction(action)
            self.actions[choice] = action
        _insert_before_help(window.menuBar(), self.menu)
        theme.theme_state(app).choice_changed.connect(self._check)
        theme.apply_theme(app, theme.stored_choice(settings))
        self._check(theme.current_choice())

    def choose(self, choice: str) -> None:
        """Show the app in ``choice`` ("system", "light" or "dark") and remember it."""
        theme.apply_theme(self._app, choice)
        theme.save_choice(self._settings, theme.current_choice())

    def _on_triggered(self, choice: str, _checked: bool = False) -> None:
        self.choose(choice)

    def _check(self, choice: str) -> None:
        self.actions[choice].setChecked(True)
