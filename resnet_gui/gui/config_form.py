"""The settings form: text fields a user can mistype, each with its own error line.

Numbers are typed into line edits, not spin boxes, so any text can be entered and flagged.
Every keystroke re-parses the form and runs ``config.validate``; each problem is shown under
the field it names and that field gets a red border.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..config import (
    DATASETS,
    OPTIMIZERS,
    PRECISIONS,
    DataConfig,
    ModelConfig,
    RunConfig,
    parse_blocks,
    validate,
)

ERROR_STYLE = "color: #c62828;"
ERROR_BORDER = "QLineEdit, QComboBox { border: 1px solid #c62828; border-radius: 2px; }"
DATASET_LABELS = {"sample": "sample (bundled, offline)", "fashion-mnist": "Fashion-MNIST (full)"}
INITIAL_DEVICES = ("auto", "cpu")
NATIVE_SIZE = 28
# The seed's recipe on the bundled sample: the app trains out of the box, offline.
DEFAULT_CONFIG = RunConfig(data=DataConfig(dataset="sample", resize=96))


def _parse_int(text: str) -> int:
    stripped = text.strip()
    if not stripped:
        raise ValueError("enter a whole number")
    try:
        return int(stripped)
    except ValueError:
        raise ValueError(f"'{stripped}' is not a whole number") from None


def _parse_float(text: str) -> float:
    stripped = text.strip()
    if not stripped:
        raise ValueError("enter a number, e.g. 0.001")
    try:
        value = float(stripped)
    except ValueError:
        raise ValueError(f"'{stripped}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"'{stripped}' is not a finite number")
    return value


def _format_float(value: float) -> str:
    return f"{value:g}"


@dataclass
class _TextField:
    """A line edit whose text parses into one config field."""

    key: str
    edit: QLineEdit
    parse: Callable[[str], Any]
    format: Callable[[Any], str]


class ConfigForm(QWidget):
    """The run settings; emits ``changed`` with a RunConfig, or None while anything is invalid."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = DEFAULT_CONFIG
        self._config: RunConfig | None = None
        self._draft = self._base
        self._errors: dict[str, str] = {}
        self._error_labels: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}
        self._text_fields: list[_TextField] = []
        self._updating = False

        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._build_fields()

        self._general_error = QLabel()
        self._general_error.setStyleSheet(ERROR_STYLE)
        self._general_error.setWordWrap(True)
        self._general_error.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._form)
        layout.addWidget(self._general_error)
        layout.addStretch(1)

        self.set_config(self._base)

    def _build_fields(self) -> None:
        self._add_text("model.blocks", "Blocks per stage", parse_blocks,
                       lambda v: ",".join(str(b) for b in v),
                       "Residual blocks in each stage, e.g. 2,2,2,2 (ResNet-18) or 3,4,6,3 (ResNet-34)")
        self._add_text("model.channels", "First-stage channels", _parse_int, str,
                       "Channels of the stem and first stage; each later stage doubles them")
        self._add_text("train.lr", "Learning rate", _parse_float, _format_float, "Step size, e.g. 0.001")
        self._add_text("train.batch_size", "Batch size", _parse_int, str, "Images per step")
        self._add_text("train.epochs", "Epochs", _parse_int, str, "Passes over the training set")
        self._add_text("data.resize", "Resize (px)", _parse_int, str,
                       "Resize images to this many pixels square; 0 keeps the native 28x28")
        self._add_combo("train.optimizer", "Optimizer", [(o, o) for o in OPTIMIZERS])
        self._add_combo("train.device", "Device", [(d, d) for d in INITIAL_DEVICES])
        self._add_combo("train.precision", "Precision", [(p, p) for p in PRECISIONS])
        self._add_combo("data.dataset", "Data set", [(DATASET_LABELS.get(d, d), d) for d in DATASETS])
        self._add_root_field()

    def _add_row(self, key: str, label: str, field: QWidget) -> None:
        error = QLabel()
        error.setObjectName(f"error:{key}")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(field)
        col.addWidget(error)
        self._form.addRow(label, box)
        self._error_labels[key] = error

    def _add_text(self, key: str, label: str, parse: Callable[[str], Any],
                  fmt: Callable[[Any], str], tip: str) -> None:
        edit = QLineEdit()
        edit.setObjectName(key)
        edit.setToolTip(tip)
        edit.textChanged.connect(self._on_edited)
        self._inputs[key] = edit
        self._text_fields.append(_TextField(key, edit, parse, fmt))
        self._add_row(key, label, edit)

    def _add_combo(self, key: str, label: str, items: list[tuple[str, str]]) -> None:
        combo = QComboBox()
        combo.setObjectName(key)
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._on_edited)
        self._inputs[key] = combo
        self._add_row(key, label, combo)

    def _add_root_field(self) -> None:
        edit = QLineEdit()
        edit.setObjectName("data.root")
        edit.setPlaceholderText("default data folder")
        edit.setToolTip("Where the data set is stored (downloaded there if missing)")
        edit.textChanged.connect(self._on_edited)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(edit, 1)
        line.addWidget(browse)
        self._inputs["data.root"] = edit
        self._root_edit = edit
        self._add_row("data.root", "Data folder", row)

    def field(self, key: str) -> QWidget:
        """The input widget of a dotted field name such as ``train.lr``."""
        return self._inputs[key]

    def error_text(self, key: str) -> str:
        """The error shown next to a field ("" when the field is fine)."""
        return self._errors.get(key, "")

    def errors(self) -> dict[str, str]:
        """Every shown error by field name (``"form"`` for ones no field owns)."""
        return dict(self._errors)

    def config(self) -> RunConfig | None:
        """The settings as typed, or None while any field is invalid."""
        return self._config

    def summary_input(self) -> tuple[ModelConfig, tuple[int, int, int]] | None:
        """The network and its (C, H, W) input when the fields shaping them are valid, else None.

        The layer table needs only these, so a bad learning rate does not hide it.
        """
        if any(key.startswith("model.") or key in ("data.resize", "form") for key in self._errors):
            return None
        model = self._draft.model
        side = self._draft.data.resize or NATIVE_SIZE
        return model, (model.in_channels, side, side)

    def is_valid(self) -> bool:
        """True when the settings can be trained."""
        return self._config is not None

    def set_config(self, cfg: RunConfig) -> None:
        """Fill every field from ``cfg`` (values the form cannot offer keep the current choice)."""
        self._base = cfg
        self._updating = True
        try:
            for tf in self._text_fields:
                tf.edit.setText(tf.format(self._get(cfg, tf.key)))
            for key in ("train.optimizer", "train.device", "train.precision", "data.dataset"):
                self._select(key, self._get(cfg, key))
            self._root_edit.setText(cfg.data.root or "")
        finally:
            self._updating = False
        self._on_edited()

    def set_dataset(self, name: str) -> None:
        """Choose a data set by its config name, e.g. "sample"."""
        self._select("data.dataset", name)

    def set_devices(self, devices: list[str], auto_label: str = "") -> None:
        """Offer these device names, keeping the current choice when it is still offered."""
        combo = self._combo("train.device")
        current = combo.currentData()
        if current == "auto" and self._base.train.device in devices:
            current = self._base.train.device
        self._updating = True
        try:
            combo.clear()
            for name in devices:
                text = f"auto ({auto_label})" if name == "auto" and auto_label else name
                combo.addItem(text, name)
        finally:
            self._updating = False
        self._select("train.device", current if current in devices else "auto")
        self._on_edited()

    def set_root_placeholder(self, text: str) -> None:
        """Show where the data goes when the folder field is left empty."""
        self._root_edit.setPlaceholderText(text)

    def _combo(self, key: str) -> QComboBox:
        widget = self._inputs[key]
        assert isinstance(widget, QComboBox)
        return widget

    def _select(self, key: str, value: Any) -> None:
        combo = self._combo(key)
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    @staticmethod
    def _get(cfg: RunConfig, key: str) -> Any:
        section, name = key.split(".")
        return getattr(getattr(cfg, section), name)

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self._root_edit.text())
        if folder:
            self._root_edit.setText(folder)

    def _on_edited(self, *_args: object) -> None:
        if self._updating:
            return
        self._draft, self._errors = self._read()
        self._config = None if self._errors else self._draft
        self._update_errors()
        self.changed.emit(self._config)

    def _read(self) -> tuple[RunConfig, dict[str, str]]:
        errors: dict[str, str] = {}
        values: dict[str, dict[str, Any]] = {"model": {}, "data": {}, "train": {}}
        for tf in self._text_fields:
            try:
                value = tf.parse(tf.edit.text())
            except (ValueError, OverflowError) as exc:
                errors[tf.key] = str(exc)
                continue
            section, name = tf.key.split(".")
            values[section][name] = value
        for key in ("train.optimizer", "train.device", "train.precision", "data.dataset"):
            section, name = key.split(".")
            values[section][name] = self._combo(key).currentData()
        values["data"]["root"] = self._root_edit.text().strip() or None

        base = self._base
        cfg = RunConfig(model=replace(base.model, **values["model"]),
                        data=replace(base.data, **values["data"]),
                        train=replace(base.train, **values["train"]))
        for problem in validate(cfg):
            key = problem.field if problem.field in self._error_labels else "form"
            if key not in errors:
                errors[key] = problem.message if key != "form" else str(problem)
        return cfg, errors

    def _update_errors(self) -> None:
        for key, label in self._error_labels.items():
            message = self._errors.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
            self._inputs[key].setStyleSheet(ERROR_BORDER if message else "")
        general = self._errors.get("form", "")
        self._general_error.setText(general)
        self._general_error.setVisible(bool(general))

