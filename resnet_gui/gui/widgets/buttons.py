"""Small widget helpers shared by the views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QPushButton


def tool_button(text: str, tip: str, slot: Callable[..., Any]) -> QPushButton:
    """A push button with a tooltip, connected to ``slot``."""
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button
