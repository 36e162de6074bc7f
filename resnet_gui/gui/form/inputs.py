"""One input widget per setting, made from the setting's description: a line edit, a box of choices,
a folder's path or an on/off box, with the setting's tooltip; and reading and writing their values."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from ...settings.fields import Spec
from ...settings.parsing import format_text, parse_text
from .elided import ElidedComboBox, PathEdit


def make_input(spec: Spec, choices: tuple[Any, ...] | None = None) -> QWidget:
    """The widget for ``spec``; ``choices`` replaces the spec's (the devices found on this machine)."""
    widget: QWidget
    if spec.kind == "bool":
        widget = QCheckBox(spec.hint)
        widget.setToolTip(spec.help)
    elif spec.kind == "choice":
        combo = ElidedComboBox(spec.help)
        for value in choices if choices is not None else spec.choices:
            combo.addItem(spec.choice_label(value), value)
        widget = combo
    elif spec.kind == "str":  # the text settings are folders
        widget = PathEdit(spec.help)
    else:
        edit = QLineEdit()
        if spec.optional and spec.kind == "int":
            edit.setPlaceholderText("random")
        edit.setToolTip(spec.help)
        widget = edit
    widget.setObjectName(spec.key)
    return widget


def read_input(spec: Spec, widget: QWidget) -> Any:
    """The value the widget holds; ValueError saying what to type when a text does not parse."""
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        return widget.currentData()
    assert isinstance(widget, QLineEdit)
    if spec.kind == "str":
        return widget.text().strip() or None
    return parse_text(spec, widget.text())


def write_input(spec: Spec, widget: QWidget, value: Any) -> None:
    """Show ``value``; a choice the box does not offer keeps the current one."""
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index >= 0:
            widget.setCurrentIndex(index)
    else:
        assert isinstance(widget, QLineEdit)
        widget.setText(format_text(spec, value))


def connect_edited(widget: QWidget, slot: Any) -> None:
    """Call ``slot`` whenever the user (or code) changes the widget's value."""
    if isinstance(widget, QCheckBox):
        widget.toggled.connect(slot)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(slot)
    else:
        assert isinstance(widget, QLineEdit)
        widget.textChanged.connect(slot)
