"""The form shows each setting as the settings describe it: label, tooltip, choices and their words."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit

from resnet_gui.gui.form.config_form import FORM_KEYS, INITIAL_DEVICES, ConfigForm
from resnet_gui.settings.config import SPECS


def test_every_field_has_its_label_tooltip_and_choices(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    labels = {label.text() for label in form.findChildren(QLabel)}
    for key in FORM_KEYS:
        spec, widget = SPECS[key], form.field(key)
        assert spec.label in labels, key
        if spec.kind in ("choice", "str"):  # values that may be cut short: the tooltip says them whole first
            shown = widget.currentText() if spec.kind == "choice" else widget.text() or widget.placeholderText()
            assert widget.toolTip() == (f"{shown}\n\n{spec.help}" if shown else spec.help), key
        else:
            assert widget.toolTip() == spec.help, key
        if spec.kind == "choice":
            assert isinstance(widget, QComboBox)
            offered = [widget.itemData(i) for i in range(widget.count())]
            assert offered == (list(INITIAL_DEVICES) if key == "train.device" else list(spec.choices)), key
            if key not in ("train.device", "train.precision"):
                assert [widget.itemText(i) for i in range(widget.count())] == [spec.choice_label(c) for c in offered]
        elif spec.kind == "bool":
            assert isinstance(widget, QCheckBox) and widget.text() == spec.hint, key
        else:
            assert isinstance(widget, QLineEdit), key
