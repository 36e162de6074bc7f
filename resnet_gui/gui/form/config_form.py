"""The settings form: a preset chooser, then Network, Data, Training and Advanced sections.

Every field is made from its setting's description (label, tooltip, choices; ``settings.fields``).
Numbers are typed into line edits, not spin boxes, so any text can be entered and flagged. Every
edit re-parses the form and runs ``validate``; each problem is shown under the field it names and
that field gets a red border. Choosing a preset fills the fields; the chooser shows the recipe
the form equals, and "custom" otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...settings.config import SPECS, DataConfig, ModelConfig, RunConfig, get_field, with_values
from ...settings.image_sizes import input_shape
from ...settings.presets import MODEL_PRESETS, PRESETS, apply_depth, apply_recipe
from ...settings.validation import notes, validate
from ..qt_compat import emit
from ..widgets.collapsible_section import CollapsibleSection
from ..widgets.palette import set_tone
from .elided import PathEdit, PathField
from .inputs import connect_edited, make_input, read_input, write_input
from .preset_box import CUSTOM, PresetBox, change_summary, shown_preset
from .sections import (
    DEFAULT_CONFIG,
    FOLDED,
    FORM_KEYS,
    INITIAL_DEVICES,
    PATH_FIELDS,
    SECTIONS,
    hidden_when_unused,
)


class ConfigForm(QWidget):
    """The run settings; emits ``changed`` with a RunConfig, or None while anything is invalid."""

    changed = Signal(object)
    lr_find_requested = Signal()  # "Find…" beside the learning rate

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = DEFAULT_CONFIG
        self._config: RunConfig | None = None
        self._draft = self._base
        self._errors: dict[str, str] = {}
        self._error_labels: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}
        self._rows: dict[str, tuple[QLabel, QWidget]] = {}
        self._sections: dict[str, CollapsibleSection] = {}
        self._section_of: dict[str, CollapsibleSection] = {}
        self._updating = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(4)
        self._preset = PresetBox()
        self._preset.currentIndexChanged.connect(self._on_preset_changed)
        self._inputs["preset"] = self._preset
        preset_row = QFormLayout()
        preset_row.setContentsMargins(0, 4, 0, 4)
        preset_row.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        preset_row.addRow(QLabel("<b>Preset</b>"), self._preset)
        layout.addLayout(preset_row)
        self._preset_note = QLabel()
        self._preset_note.setObjectName("preset-note")
        self._preset_note.setWordWrap(True)
        set_tone(self._preset_note, "muted")
        self._preset_note.hide()
        layout.addWidget(self._preset_note)
        for title, keys in SECTIONS.items():
            section = CollapsibleSection(title, title not in FOLDED)
            self._sections[title] = section
            layout.addWidget(section)
            for key in keys:
                self._add_row(section, key)
        # One label column for every section, so the fields line up across them.
        width = max(label.sizeHint().width() for label, _ in self._rows.values())
        for label, _ in self._rows.values():
            label.setFixedWidth(width)

        self._general_error = QLabel()
        set_tone(self._general_error, "error")
        self._general_error.setWordWrap(True)
        self._general_error.hide()
        layout.addWidget(self._general_error)
        layout.addStretch(1)
        self.set_config(self._base)

    # -- building ---------------------------------------------------------------------------

    def _add_row(self, section: CollapsibleSection, key: str) -> None:
        spec = SPECS[key]
        field = make_input(spec, INITIAL_DEVICES if key == "train.device" else None)
        connect_edited(field, self._on_edited)
        self._inputs[key] = field
        shown: QWidget = PathField(field, PATH_FIELDS[key]) if isinstance(field, PathEdit) else field
        error = QLabel()
        error.setObjectName(f"error:{key}")
        set_tone(error, "error")
        error.setWordWrap(True)
        error.hide()
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        if key == "train.lr":
            shown = self._with_find_button(shown)
        col.addWidget(shown)
        col.addWidget(error)
        label = QLabel(spec.label)
        label.setBuddy(field)
        self._rows[key] = (label, box)
        self._error_labels[key] = error
        self._section_of[key] = section
        section.form.addRow(label, box)

    def _with_find_button(self, field: QWidget) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(field, 1)
        self.find_lr_button = QPushButton("Find…")
        self.find_lr_button.setToolTip("Find a learning rate: train a few batches with a rising rate and plot the loss")
        self.find_lr_button.clicked.connect(lambda: emit(self.lr_find_requested))
        line.addWidget(self.find_lr_button)
        return row

    # -- public API --------------------------------------------------------------------------

    def field(self, key: str) -> Any:
        """The input widget of a dotted field name such as ``train.lr`` (or ``preset``)."""
        return self._inputs[key]

    def section(self, title: str) -> CollapsibleSection:
        """The section called ``title``: "Network", "Data", "Training" or "Advanced"."""
        return self._sections[title]

    def preset(self) -> str:
        """The preset shown in the chooser: "custom", a recipe name or a model name."""
        return self._preset.name()

    def set_preset(self, name: str) -> None:
        """Choose a preset by name, filling the form as a click in the chooser would."""
        index = self._preset.findData(name)
        if index < 0:
            raise ValueError(f"unknown preset {name!r}")
        self._preset.setCurrentIndex(index)

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
        shape = input_shape(self._draft.data)
        return replace(self._draft.model, in_channels=shape[0]), shape

    def data_input(self) -> DataConfig | None:
        """The data settings when the fields shaping them are valid, else None (for the data preview)."""
        if any(key.startswith("data.") for key in self._errors):
            return None
        return self._draft.data

    def augmentation(self) -> str:
        """The augmentation mode chosen in the form (one of the ``train.augment`` choices)."""
        return self._draft.train.augment

    def is_valid(self) -> bool:
        """True when the settings can be trained."""
        return self._config is not None

    def set_config(self, cfg: RunConfig) -> None:
        """Fill every field from ``cfg`` (values the form cannot offer keep the current choice)."""
        self._fill(cfg)
        self._revalidate()

    def set_value(self, key: str, value: Any) -> None:
        """Put ``value`` in the field of ``key`` (e.g. ``train.lr``) as if typed; the form re-checks itself."""
        write_input(SPECS[key], self._inputs[key], value)

    def set_dataset(self, name: str) -> None:
        """Choose a data set by its config name, e.g. "sample"."""
        write_input(SPECS["data.dataset"], self._inputs["data.dataset"], name)

    def set_devices(self, devices: list[str], auto_label: str = "") -> None:
        """Offer these device names, keeping the current choice when it is still offered.

        ``auto_label`` describes what auto means here, e.g. "cpu, bf16"; its last part, when a
        precision, labels the precision's auto choice too ("auto (bf16)").
        """
        combo = self._combo("train.device")
        current = combo.currentData()
        if current == "auto" and self._base.train.device in devices:
            current = self._base.train.device
        with self._programmatic():
            combo.clear()
            for name in devices:
                combo.addItem(f"auto ({auto_label})" if name == "auto" and auto_label else name, name)
            combo.setCurrentIndex(max(0, combo.findData(current if current in devices else "auto")))
        precision = auto_label.rsplit(",", 1)[-1].strip()
        self.set_auto_precision(precision if precision in ("fp32", "bf16") else "")

    def set_auto_precision(self, resolved: str) -> None:
        """Label the precision's auto choice with what it resolves to, e.g. "auto (bf16)"."""
        combo = self._combo("train.precision")
        index = combo.findData("auto")
        if index >= 0:
            combo.setItemText(index, f"auto ({resolved})" if resolved else "auto")
        self._revalidate(keep_preset=True)

    def set_root_placeholder(self, text: str) -> None:
        """Show where the standard data sets are when the data location is left empty."""
        edit = self._inputs["data.root"]
        assert isinstance(edit, PathEdit)
        edit.set_default_path(text)

    # -- internals ---------------------------------------------------------------------------

    @contextmanager
    def _programmatic(self) -> Iterator[None]:
        """Field changes inside are the form's own, not a user's edit."""
        before = self._updating
        self._updating = True
        try:
            yield
        finally:
            self._updating = before

    def _combo(self, key: str) -> QComboBox:
        widget = self._inputs[key]
        assert isinstance(widget, QComboBox)
        return widget

    def _fill(self, cfg: RunConfig) -> None:
        self._base = cfg
        with self._programmatic():
            for key in FORM_KEYS:
                write_input(SPECS[key], self._inputs[key], get_field(cfg, key))

    def _on_preset_changed(self, _index: int) -> None:
        name = self.preset()
        if name in PRESETS:
            after = apply_recipe(self._draft, name)
        elif name in MODEL_PRESETS:
            after = apply_depth(self._draft, name)
        else:
            return
        before = self._draft
        self._fill(after)
        self._revalidate(keep_preset=True)
        self._preset_note.setText(change_summary(name, before, after))
        self._preset_note.setVisible(True)

    def _on_edited(self, *_args: object) -> None:
        if not self._updating:
            self._revalidate()

    def _revalidate(self, keep_preset: bool = False) -> None:
        self._draft, self._errors = self._read()
        self._config = None if self._errors else self._draft
        if not keep_preset or self.preset() not in MODEL_PRESETS:
            self._preset.show_silently(shown_preset(self._draft) if self._config is not None else CUSTOM)
        if not keep_preset:
            self._preset_note.hide()
        self._update_enabled()
        self._update_errors()
        emit(self.changed, self._config)

    def _read(self) -> tuple[RunConfig, dict[str, str]]:
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        unused = self._unused_keys()
        for key in FORM_KEYS:
            try:
                values[key] = read_input(SPECS[key], self._inputs[key])
            except (ValueError, OverflowError) as exc:
                if key not in unused:
                    errors[key] = str(exc)
        cfg = with_values(self._base, values)
        problems = validate(cfg)
        # A greyed-out or hidden field cannot be fixed: it keeps its last good value instead.
        kept = {p.field for p in problems if p.field in unused}
        if kept:
            cfg = with_values(cfg, {key: get_field(self._base, key) for key in kept})
            problems = validate(cfg)
        for problem in problems:
            key = problem.field if problem.field in self._error_labels else "form"
            if key not in errors:
                errors[key] = problem.message if key != "form" else str(problem)
        return cfg, errors

    def _unused_keys(self) -> set[str]:
        """Fields the current choices ignore: momentum with Adam, the folder fields for other data sets."""
        unused = set()
        for key in FORM_KEYS:
            only_when = SPECS[key].only_when
            if only_when is not None and not SPECS[key].used_with(self._value_of(only_when[0])):
                unused.add(key)
        return unused

    def _value_of(self, key: str) -> Any:
        """What the field holds now; None while its text does not parse."""
        try:
            return read_input(SPECS[key], self._inputs[key])
        except (ValueError, OverflowError):
            return None

    def _update_enabled(self) -> None:
        unused = self._unused_keys()
        for key in FORM_KEYS:
            if SPECS[key].only_when is None:
                continue
            if hidden_when_unused(key):
                for widget in self._rows[key]:
                    widget.setVisible(key not in unused)
            else:
                self._inputs[key].setEnabled(key not in unused)

    def _update_errors(self) -> None:
        hints = {note.field: note.message for note in notes(self._draft)}
        for key, label in self._error_labels.items():
            message = self._errors.get(key, "")
            hint = "" if message else hints.get(key, "")
            label.setText(message or hint)
            set_tone(label, "error" if message else "muted")
            label.setVisible(bool(message or hint))
            set_tone(self._inputs[key], "error-field" if message else "")
            if message and not self._section_of[key].is_expanded():
                self._section_of[key].set_expanded(True)
        general = self._errors.get("form", "")
        self._general_error.setText(general)
        self._general_error.setVisible(bool(general))
