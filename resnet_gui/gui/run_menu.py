"""The Run menu (Train, Pause/Resume, Stop) and the Go menu (the tabs), with their shortcuts.

The Run entries press the run controls' own buttons, so they do exactly what a click does, and
follow the buttons: an entry is enabled while its button is, and Pause says Resume when the button
does. Shortcuts: Ctrl+Return trains (Ctrl+Enter on the keypad too), Ctrl+Shift+P pauses or
resumes, Ctrl+. stops (Cmd on macOS, where Cmd+. is the usual "cancel"); Ctrl+1 … Ctrl+6 show a
tab, and the platform's next/previous-window keys (Ctrl+Tab, Ctrl+Shift+Tab) the next or previous.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QPushButton, QTabWidget

from .form.run_controls import RunControls
from .session.run_session import RunSession

TRAIN_KEYS = ("Ctrl+Return", "Ctrl+Enter")
PAUSE_KEYS = ("Ctrl+Shift+P",)
STOP_KEYS = ("Ctrl+.",)
TIPS = {
    "train": "Start a run with the form's settings (in the background when that box is ticked)",
    "pause": "Pause the run (everything stays in memory), or resume it",
    "stop": "Stop the run after its current batch; it is saved as stopped and can be resumed",
}


def insert_after(bar: QMenuBar, menu: QMenu, previous: QMenu | None) -> None:
    """Put ``menu`` in ``bar`` right after ``previous`` (first when None)."""
    actions = bar.actions()
    index = actions.index(previous.menuAction()) + 1 if previous is not None else 0
    if index < len(actions):
        bar.insertMenu(actions[index], menu)
    else:
        bar.addMenu(menu)


def _action(window: QMainWindow, keys: tuple[str, ...] | QKeySequence.StandardKey) -> QAction:
    action = QAction(window)
    if isinstance(keys, QKeySequence.StandardKey):
        action.setShortcuts(keys)
    else:
        action.setShortcuts([QKeySequence(k) for k in keys])
    return action


class RunMenu(QObject):
    """The Run menu of ``window``, in step with ``controls``' buttons (build it after ``controls.bind``)."""

    def __init__(
        self, window: QMainWindow, controls: RunControls, session: RunSession, after: QMenu | None = None
    ) -> None:
        super().__init__(window)
        self.menu = QMenu("&Run", window)
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        self._buttons: dict[str, QPushButton] = {
            "train": controls.train_button,
            "pause": controls.pause_button,
            "stop": controls.stop_button,
        }
        for key, keys in (("train", TRAIN_KEYS), ("pause", PAUSE_KEYS), ("stop", STOP_KEYS)):
            action = _action(window, keys)
            action.setToolTip(TIPS[key])
            action.triggered.connect(self._buttons[key].click)
            self.menu.addAction(action)
            self.actions[key] = action
            self._buttons[key].installEventFilter(self)
        insert_after(window.menuBar(), self.menu, after)
        session.state_changed.connect(lambda _state: self.sync())
        self.sync()

    def sync(self) -> None:
        """Enable and name each entry as its button is."""
        for key, button in self._buttons.items():
            self.actions[key].setEnabled(button.isEnabled())
            self.actions[key].setText("&" + button.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """A button enabled or disabled (by the session's state, the form or the background box)."""
        if event.type() == QEvent.Type.EnabledChange:
            self.sync()
        return super().eventFilter(watched, event)


class GoMenu(QObject):
    """The Go menu of ``window``: one entry per tab of ``tabs`` (Ctrl+1 …), then next and previous."""

    def __init__(self, window: QMainWindow, tabs: QTabWidget, after: QMenu | None = None) -> None:
        super().__init__(window)
        self._tabs = tabs
        self.menu = QMenu("&Go", window)
        self.actions: dict[str, QAction] = {}
        for index in range(tabs.count()):
            title = tabs.tabText(index)
            action = _action(window, (f"Ctrl+{index + 1}",) if index < 9 else ())
            action.setText(f"{title} tab")
            action.triggered.connect(partial(tabs.setCurrentIndex, index))
            self.menu.addAction(action)
            self.actions[title] = action
        self.menu.addSeparator()
        for key, text, keys, step in (
            ("next", "&Next tab", QKeySequence.StandardKey.NextChild, 1),
            ("previous", "&Previous tab", QKeySequence.StandardKey.PreviousChild, -1),
        ):
            action = _action(window, keys)
            action.setText(text)
            action.triggered.connect(partial(self._step, step))
            self.menu.addAction(action)
            self.actions[key] = action
        insert_after(window.menuBar(), self.menu, after)

    def _step(self, step: int) -> None:
        self._tabs.setCurrentIndex((self._tabs.currentIndex() + step) % self._tabs.count())
