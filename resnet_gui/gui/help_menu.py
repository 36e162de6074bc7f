"""The Help menu: the keyboard shortcuts, read from the window's own menus so the list cannot go
stale, and an About box with the versions of the app and its libraries and the device in use."""

from __future__ import annotations

import html
import platform
from collections.abc import Callable

import PySide6
from PySide6.QtCore import QObject, Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .. import __version__

LOADING = "loading…"


def plain(text: str) -> str:
    """A menu text as read: no & marking the mnemonic, no trailing …"""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def typed(keys: QKeySequence) -> bool:
    """True for keys a person types: with Ctrl, Alt, Shift or Meta, or a function key (not a keyboard's
    own Open, Save, Back, Help … key, which Qt adds to the standard shortcuts)."""
    first = keys[0]  # type: ignore[index]  # QKeySequence.__getitem__ is missing from the stubs
    return bool(first.keyboardModifiers()) or Qt.Key.Key_F1.value <= first.key().value <= Qt.Key.Key_F35.value


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu, entry, keys) for every menu entry of ``window`` that has a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()  # an entry in two menus (File and Export: Save settings) is listed once

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} › {plain(action.text())}")  # type: ignore[arg-type]
            elif action.shortcuts() and id(action) not in seen:
                seen.add(id(action))
                shown = [k for k in action.shortcuts() if typed(k)] or action.shortcuts()
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in shown)
                rows.append((path, plain(action.text()), keys))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), plain(top.text()))  # type: ignore[arg-type]
    return rows


def versions(device: str | None) -> list[tuple[str, str]]:
    """(name, version) of the app, torch, torchvision, Qt, PySide6 and Python, and the device.

    torch is imported in the background after the window paints; until then it reads "loading…".
    """
    rows = [("resnet-gui", __version__)]
    if device is not None:
        from ..runs.store import library_versions

        libraries = library_versions()
        rows += [("PyTorch", libraries["torch"]), ("torchvision", libraries["torchvision"])]
    else:
        rows += [("PyTorch", LOADING), ("torchvision", LOADING)]
    rows += [("Qt", qVersion()), ("PySide6", PySide6.__version__), ("Python", platform.python_version())]
    rows.append(("Device", device or LOADING))
    return rows


def describe_device() -> str:
    """The device "auto" trains on here and its number format, with the GPU's or CPU's name."""
    from ..training.devices import describe_auto, device_name, resolve_device

    return f"{describe_auto()} ({device_name(resolve_device('auto'))})"


class ShortcutsDialog(QDialog):
    """A table of the window's shortcuts: menu, entry, keys."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 480)

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row."""
        cells = [[self.table.item(r, c) for c in range(self.table.columnCount())] for r in range(self.table.rowCount())]
        return [tuple(item.text() if item is not None else "" for item in row) for row in cells]


class HelpMenu(QObject):
    """Help › Keyboard shortcuts (F1) and Help › About; ``core_ready()`` says whether torch is loaded."""

    def __init__(self, window: QMainWindow, core_ready: Callable[[], bool]) -> None:
        super().__init__(window)
        self._window = window
        self._core_ready = core_ready
        self.menu = window.menuBar().addMenu("&Help")
        self.actions: dict[str, QAction] = {}
        shortcuts = self.menu.addAction("&Keyboard shortcuts…", self.show_shortcuts)
        shortcuts.setShortcuts(QKeySequence.StandardKey.HelpContents)
        self.actions["shortcuts"] = shortcuts
        self.actions["about"] = self.menu.addAction("&About resnet-gui…", self.show_about)
        self.actions["about"].setMenuRole(QAction.MenuRole.AboutRole)
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.about_box: QMessageBox | None = None

    def show_shortcuts(self) -> ShortcutsDialog:
        """Open the list of shortcuts (built afresh from the menus each time)."""
        if self.shortcuts_dialog is not None:
            self.shortcuts_dialog.close()
        self.shortcuts_dialog = ShortcutsDialog(self._window)
        self.shortcuts_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog.destroyed.connect(lambda: setattr(self, "shortcuts_dialog", None))
        self.shortcuts_dialog.show()
        return self.shortcuts_dialog

    def show_about(self) -> QMessageBox:
        """Open the About box."""
        device = describe_device() if self._core_ready() else None
        lines = "".join(
            f"<tr><td>{html.escape(name)}</td><td>&nbsp;{html.escape(v)}</td></tr>" for name, v in versions(device)
        )
        text = (
            "<h3>resnet-gui</h3><p>A desktop training dashboard for the residual networks of the d2l "
            f"ResNet chapter.</p><table>{lines}</table>"
        )
        box = QMessageBox(QMessageBox.Icon.Information, "About resnet-gui", text, QMessageBox.StandardButton.Ok)
        box.setParent(self._window, box.windowFlags())
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda: setattr(self, "about_box", None))
        self.about_box = box
        box.open()
        return box
