"""The settings an experiment varies: one row per setting, each a list of values or a range.

The settings offered are those a sweep may vary (``experiments.definition.VARIABLE``), named by
their labels from the settings' descriptions. A row reads its text into the ``[space."key"]``
table of ``sweep.toml``; a value that cannot be read is refused naming the setting.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ....experiments.definition import VARIABLE, Param
from ....settings.config import SPECS
from ....settings.fields import Spec, format_value
from ....settings.parsing import parse_text
from ...qt_compat import emit

VALUES, RANGE = "values", "range"
TRUE, FALSE = ("true", "on", "yes", "1"), ("false", "off", "no", "0")


def separator(spec: Spec) -> str:
    """Values are separated by commas; blocks (which hold commas themselves) by semicolons."""
    return ";" if spec.kind == "blocks" else ","


def parse_values(spec: Spec, text: str) -> list[Any]:
    """The values typed for ``spec``; ValueError naming the setting and the value that cannot be read."""
    out: list[Any] = []
    for token in (t.strip() for t in text.split(separator(spec))):
        if not token:
            continue
        try:
            out.append(_one(spec, token))
        except ValueError as e:
            raise ValueError(f"{spec.label}: {e}") from None
    if not out:
        raise ValueError(f"{spec.label}: give at least one value, separated by '{separator(spec)}'")
    return out


def _one(spec: Spec, token: str) -> Any:
    if spec.kind == "bool":
        if token.lower() in TRUE + FALSE:
            return token.lower() in TRUE
        raise ValueError(f"'{token}' is not on or off (true or false)")
    if spec.kind == "choice":
        for choice in spec.choices:
            if token.lower() in (str(choice).lower(), spec.choice_label(choice).lower()):
                return choice
        raise ValueError(f"'{token}' is not one of {', '.join(map(str, spec.choices))}")
    return parse_text(spec, token)


def values_text(spec: Spec, values: Any) -> str:
    """The inverse of ``parse_values``."""
    return f"{separator(spec)} ".join(format_value(v) if spec.kind != "bool" else str(v).lower() for v in values)


def placeholder(spec: Spec) -> str:
    """An example of what to type for ``spec``."""
    if spec.kind == "blocks":
        return "e.g. 1,1; 2,2"
    if spec.kind in ("choice", "bool"):
        return ", ".join(str(c).lower() for c in (spec.choices or (True, False)))
    if spec.kind == "float":
        return "e.g. 0.001, 0.01" if spec.key == "train.lr" else "values, e.g. 0.1, 0.2"
    return "values, e.g. 1, 2, 4"


class SpaceRow(QWidget):
    """One varied setting: the setting, values or a range (low, high, log), and a remove button."""

    removed = Signal(object)
    edited = Signal()

    def __init__(self, key: str = "train.lr", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setting = QComboBox()
        self.setting.setMinimumContentsLength(14)
        self.setting.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        for k in VARIABLE:
            self.setting.addItem(SPECS[k].label, k)
            self.setting.setItemData(self.setting.count() - 1, f"{k}: {SPECS[k].help}", 3)  # tooltip role
        self.mode = QComboBox()
        self.mode.addItems([VALUES, RANGE])
        self.values = QLineEdit()
        self.low, self.high = QLineEdit(), QLineEdit()
        self.low.setPlaceholderText("low")
        self.high.setPlaceholderText("high")
        self.log = QCheckBox("log")
        self.log.setToolTip("Draw from a log scale (for rates: each factor of ten equally likely)")
        self.remove = QPushButton("×")
        self.remove.setToolTip("Stop varying this setting")
        self.remove.setFixedWidth(self.remove.sizeHint().height())
        ranged = QWidget()
        range_line = QHBoxLayout(ranged)
        range_line.setContentsMargins(0, 0, 0, 0)
        for w in (self.low, self.high, self.log):
            range_line.addWidget(w)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.values)
        self.stack.addWidget(ranged)
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.setting)
        line.addWidget(self.mode)
        line.addWidget(self.stack, 1)
        line.addWidget(self.remove)
        self.setting.currentIndexChanged.connect(self._on_setting)
        self.mode.currentIndexChanged.connect(lambda i: self.stack.setCurrentIndex(i))
        for edit in (self.values, self.low, self.high):
            edit.textEdited.connect(lambda _t: emit(self.edited))
        self.mode.currentIndexChanged.connect(lambda _i: emit(self.edited))
        self.log.toggled.connect(lambda _on: emit(self.edited))
        self.remove.clicked.connect(lambda: emit(self.removed, self))
        self.setting.setCurrentIndex(self.setting.findData(key))
        self._on_setting()

    @property
    def key(self) -> str:
        """The dotted name of the setting varied."""
        return str(self.setting.currentData())

    def _on_setting(self, *_args: object) -> None:
        spec = SPECS[self.key]
        numeric = spec.kind in ("int", "float")
        self.mode.model().item(1).setEnabled(numeric)  # type: ignore[attr-defined]
        if not numeric:
            self.mode.setCurrentIndex(0)
        self.values.setPlaceholderText(placeholder(spec))
        self.values.setText(values_text(spec, spec.choices) if spec.kind == "choice" else "")
        if spec.kind == "bool":
            self.values.setText("true, false")
        self.log.setChecked(spec.key == "train.lr")
        self.setToolTip(f"{spec.label} ({spec.key}): {spec.help}")
        emit(self.edited)

    def entry(self) -> dict[str, Any]:
        """The ``[space."key"]`` table; ValueError naming the setting when its text cannot be read."""
        spec = SPECS[self.key]
        if self.mode.currentText() == VALUES:
            return {"values": parse_values(spec, self.values.text())}
        ends = {}
        for name, edit in (("low", self.low), ("high", self.high)):
            try:
                ends[name] = parse_text(spec, edit.text())
            except ValueError as e:
                raise ValueError(f"{spec.label} {name}: {e}") from None
        return ends | {"log": self.log.isChecked()}

    def set_param(self, param: Param) -> None:
        """Show ``param``."""
        self.setting.setCurrentIndex(self.setting.findData(param.key))
        spec = SPECS[param.key]
        if param.is_range:
            self.mode.setCurrentIndex(1)
            self.low.setText(format_value(param.low))
            self.high.setText(format_value(param.high))
            self.log.setChecked(param.log)
        else:
            self.mode.setCurrentIndex(0)
            self.values.setText(values_text(spec, param.values))


class SpaceEditor(QWidget):
    """The rows of varied settings and an "Add a setting" button; ``edited`` on any change."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SpaceRow] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton("Add a setting to vary")
        self.add_button.clicked.connect(lambda: self.add_row(self._unused()))
        self._layout.addWidget(self.add_button)

    def _unused(self) -> str:
        used = {r.key for r in self.rows}
        for key in ("train.lr", "train.batch_size", "model.channels", "train.optimizer", *VARIABLE):
            if key not in used:
                return key
        return VARIABLE[0]

    def add_row(self, key: str) -> SpaceRow:
        """Add a row varying ``key``."""
        row = SpaceRow(key)
        row.removed.connect(self._remove)
        row.edited.connect(lambda: emit(self.edited))
        self.rows.append(row)
        self._layout.insertWidget(len(self.rows) - 1, row)
        emit(self.edited)
        return row

    def _remove(self, row: SpaceRow) -> None:
        self.rows.remove(row)
        row.deleteLater()
        emit(self.edited)

    def clear(self) -> None:
        """No rows."""
        for row in list(self.rows):
            self._remove(row)

    def space(self) -> tuple[dict[str, Any], list[str]]:
        """The ``[space]`` tables by key, and the problems of rows whose text cannot be read."""
        out: dict[str, Any] = {}
        problems = []
        for row in self.rows:
            if row.key in out:
                problems.append(f"{SPECS[row.key].label}: varied twice; remove one row")
                continue
            try:
                out[row.key] = row.entry()
            except ValueError as e:
                problems.append(str(e))
        return out, problems

    def set_params(self, params: tuple[Param, ...]) -> None:
        """One row per ``param``."""
        self.clear()
        for param in params:
            self.add_row(param.key).set_param(param)
