"""The window's yes-or-no questions, one function each (tests answer them by replacing the function)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

STOP_AND_QUIT = "A run is training: stop it and quit? It will be saved as stopped."
RESET_SETTINGS = (
    "Reset settings? The form, the window's size and layout and the theme go back to their defaults, "
    "and the remembered settings are forgotten. The run history is kept."
)


def _ask(parent: QWidget, title: str, text: str, yes: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    confirm = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is confirm


def ask_stop_and_quit(parent: QWidget) -> bool:
    """True when the user chooses Quit: stop the run in the window and close."""
    return _ask(parent, "Quit resnet-gui", STOP_AND_QUIT, "Quit")


def ask_reset_settings(parent: QWidget) -> bool:
    """True when the user chooses Reset: the defaults come back."""
    return _ask(parent, "Reset settings", RESET_SETTINGS, "Reset")
