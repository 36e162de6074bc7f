"""The settings form: a preset chooser, then Network, Data, Training and Advanced sections.

Numbers are typed into line edits, not spin boxes, so any text can be entered and flagged.
Every keystroke re-parses the form and runs ``config.validate``; each problem is shown under
the field it names and that field gets a red border. Choosing a preset fills the fields; any
edit afterwards turns the preset chooser back to "custom".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
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

from ...settings.config import (
    AUGMENTATIONS,
    BLOCK_STYLES,
    BLOCKS,
    DATASETS,
    OPTIMIZERS,
    PRECISIONS,
    SCHEDULES,
    STEMS,
    DataConfig,
    ModelConfig,
    RunConfig,
    parse_blocks,
    validate,
)
from ...settings.model_presets import MODEL_PRESETS
from ...settings.presets import PRESET_DESCRIPTIONS, PRESETS
from ..widgets.collapsible_section import CollapsibleSection
from .form_fields import (
    AUGMENTATION_LABELS,
    BLOCK_LABELS,
    BLOCK_STYLE_LABELS,
    CHANNEL_LABELS,
    DATASET_LABELS,
    SCHEDULE_LABELS,
    STEM_LABELS,
    format_blocks,
    format_float,
    format_seed,
    get_field,
    model_preset_tooltip,
    parse_float,
    parse_int,
    parse_seed,
)
from ..qt_compat import emit

ERROR_STYLE = "color: #c62828;"
ERROR_BORDER = "QLineEdit, QComboBox { border: 1px solid #c62828; border-radius: 2px; }"
INITIAL_DEVICES = ("auto", "cpu")
NATIVE_SIZE = 28
# (channels, side) of the stored images where they differ from the MNISTs' 1×28×28.
NATIVE_SHAPES = {"cifar10": (3, 32)}
CUSTOM = "custom"
# The seed's recipe on the bundled sample: the app trains out of the box, offline.
DEFAULT_CONFIG = RunConfig(data=DataConfig(dataset="sample", resize=96))
# Fields that only a data set read from an image folder uses.
FOLDER_KEYS = ("data.image_size", "data.channels", "data.test_fraction")

COMBO_KEYS = ("model.block", "model.block_style", "model.stem", "data.dataset", "data.channels",
              "train.optimizer", "train.schedule", "train.augment", "train.device", "train.precision")
CHECK_KEYS = ("model.stem_pool", "train.test_flips", "train.compile")


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
        self._sections: dict[str, CollapsibleSection] = {}
        self._section_of: dict[str, CollapsibleSection] = {}
        self._text_fields: list[_TextField] = []
        self._labels: list[QLabel] = []
        self._rows: dict[str, tuple[QLabel, QWidget]] = {}
        self._updating = False
        self._form: QFormLayout | None = None
        self._auto_precision = ""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(4)
        layout.addLayout(self._build_preset_row())
        self._build_fields(layout)
        # One label column for every section, so the fields line up across them.
        width = max(label.sizeHint().width() for label in self._labels)
        for label in self._labels:
            label.setFixedWidth(width)

        self._general_error = QLabel()
        self._general_error.setStyleSheet(ERROR_STYLE)
        self._general_error.setWordWrap(True)
        self._general_error.hide()
        layout.addWidget(self._general_error)
        layout.addStretch(1)

        self.set_config(self._base)

    # -- building ---------------------------------------------------------------------------

    def _build_preset_row(self) -> QFormLayout:
        combo = QComboBox()
        combo.setObjectName("preset")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)
        combo.setToolTip("Fill the form from a named recipe, or set only the network to a standard depth")
        combo.addItem(CUSTOM, CUSTOM)
        combo.insertSeparator(combo.count())
        for name in PRESETS:
            combo.addItem(f"{name} (recipe)", name)
            combo.setItemData(combo.count() - 1, PRESET_DESCRIPTIONS.get(name, ""), Qt.ItemDataRole.ToolTipRole)
        combo.insertSeparator(combo.count())
        for name in MODEL_PRESETS:
            combo.addItem(f"{name} (network only)", name)
            combo.setItemData(combo.count() - 1, model_preset_tooltip(name), Qt.ItemDataRole.ToolTipRole)
        combo.currentIndexChanged.connect(self._on_preset_changed)
        self._preset = combo
        self._inputs["preset"] = combo
        row = QFormLayout()
        row.setContentsMargins(0, 4, 0, 4)
        row.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        label = QLabel("<b>Preset</b>")
        row.addRow(label, combo)
        return row

    def _build_fields(self, layout: QVBoxLayout) -> None:
        self._begin_section(layout, "Network")
        self._add_text("model.blocks", "Blocks per stage", parse_blocks, format_blocks,
                       "Residual blocks in each stage, e.g. 2,2,2,2 (ResNet-18) or 3,4,6,3 (ResNet-34)")
        self._add_text("model.channels", "First-stage channels", parse_int, str,
                       "Channels of the stem and first stage; each later stage doubles them")
        self._add_combo("model.block", "Block type", [(BLOCK_LABELS[b], b) for b in BLOCKS],
                        "basic: the seed's Residual; bottleneck: 1×1 reduce, 3×3, 1×1 expand ×4 (ResNet-50+)")
        self._add_combo("model.block_style", "Block style", [(BLOCK_STYLE_LABELS[s], s) for s in BLOCK_STYLES],
                        "d2l: biases in every conv, plain 1×1 shortcut; torchvision: no conv biases, "
                        "BN after the 1×1 shortcut")
        self._add_combo("model.stem", "Stem", [(STEM_LABELS[s], s) for s in STEMS],
                        "The layers before the first stage: the seed's 7×7/2 conv and 3×3/2 max-pool, "
                        "or a 3×3/1 conv that keeps small images' detail")
        self._add_check("model.stem_pool", "Stem max-pool", "2×2, after the small stem",
                        "Halve height and width after the small stem (the d2l stem always pools)")

        self._begin_section(layout, "Data")
        self._add_combo("data.dataset", "Data set", [(DATASET_LABELS.get(d, d), d) for d in DATASETS],
                        "The bundled sample trains offline; Fashion-MNIST is downloaded once")
        self._add_text("data.resize", "Resize (px)", parse_int, str,
                       "Resize images to this many pixels square; 0 keeps the native 28x28")
        self._add_combo("train.augment", "Augmentation", [(AUGMENTATION_LABELS[a], a) for a in AUGMENTATIONS],
                        "Done on the training batches: flip half the images left-right, or also pad them "
                        "by a seventh of their side (4 px at 28 px) and crop back at a random offset")
        self._add_root_field()
        self._add_text("data.image_size", "Image size (px)", parse_int, str,
                       "Folder images are decoded to this many pixels square")
        self._add_combo("data.channels", "Colour channels", [(CHANNEL_LABELS[c], c) for c in (1, 3)],
                        "Read folder images as grayscale or colour")
        self._add_text("data.test_fraction", "Test share", parse_float, format_float,
                       "Share of the images held out for testing when the folder has no test/ or val/ "
                       "subfolder, 0.01 to 0.9")

        self._begin_section(layout, "Training")
        self._add_combo("train.optimizer", "Optimizer", [(o, o) for o in OPTIMIZERS],
                        "adam: the seed's; sgd: with momentum and weight decay, for the fast recipes")
        self._add_text("train.lr", "Learning rate", parse_float, format_float, "Step size, e.g. 0.001")
        self._add_text("train.momentum", "Momentum", parse_float, format_float,
                       "SGD momentum, 0 to 0.999 (Adam keeps its own averages)")
        self._add_text("train.weight_decay", "Weight decay", parse_float, format_float,
                       "L2 penalty on the weights, 0 to 1, e.g. 5e-4")
        self._add_text("train.batch_size", "Batch size", parse_int, str, "Images per step")
        self._add_text("train.epochs", "Epochs", parse_int, str, "Passes over the training set")
        self._add_combo("train.schedule", "Schedule", [(SCHEDULE_LABELS[s], s) for s in SCHEDULES],
                        "How the learning rate changes over the run")
        self._add_text("train.warmup_epochs", "Warm-up epochs", parse_float, format_float,
                       "Epochs of linear learning-rate warm-up (fractions allowed); at most the epochs")
        self._add_text("train.label_smoothing", "Label smoothing", parse_float, format_float,
                       "Share of the target spread over the other classes, 0 to 0.99, e.g. 0.1")
        self._add_check("train.test_flips", "Test-time flips", "score mirror images too",
                        "Score each test image and its left-right mirror image and average the two, at twice "
                        "the scoring time. Helps networks trained with flips (fast-cpu with flips: 0.945 to "
                        "0.949); without flip training it can cost accuracy (fast-cpu: 0.943 to 0.938)")

        self._begin_section(layout, "Advanced", expanded=False)
        self._add_combo("train.device", "Device", [(d, d) for d in INITIAL_DEVICES],
                        "Where to train; auto picks CUDA, then Apple MPS, then the CPU")
        self._add_combo("train.precision", "Precision", [(p, p) for p in PRECISIONS],
                        "Number format of the forward pass; auto takes bf16 where the hardware gains")
        self._add_text("train.seed", "Seed", parse_seed, format_seed,
                       "Random seed for weights and shuffling; leave empty for a random one each run")
        self._edit("train.seed").setPlaceholderText("random")
        self._add_check("train.compile", "torch.compile", "compile the model",
                        "Compile the network before training: slower start, faster steps on a GPU")

    def _begin_section(self, layout: QVBoxLayout, title: str, expanded: bool = True) -> None:
        section = CollapsibleSection(title, expanded)
        self._sections[title] = section
        self._form = section.form
        layout.addWidget(section)

    def _add_row(self, key: str, label: str, field: QWidget) -> None:
        assert self._form is not None
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
        text = QLabel(label)
        text.setBuddy(field)
        self._labels.append(text)
        self._rows[key] = (text, box)
        self._form.addRow(text, box)
        self._error_labels[key] = error
        self._section_of[key] = list(self._sections.values())[-1]

    def _add_text(self, key: str, label: str, parse: Callable[[str], Any],
                  fmt: Callable[[Any], str], tip: str) -> None:
        edit = QLineEdit()
        edit.setObjectName(key)
        edit.setToolTip(tip)
        edit.textChanged.connect(self._on_edited)
        self._inputs[key] = edit
        self._text_fields.append(_TextField(key, edit, parse, fmt))
        self._add_row(key, label, edit)

    def _add_combo(self, key: str, label: str, items: list[tuple[str, str]], tip: str = "") -> None:
        combo = QComboBox()
        combo.setObjectName(key)
        combo.setToolTip(tip)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._on_edited)
        self._inputs[key] = combo
        self._add_row(key, label, combo)

    def _add_check(self, key: str, label: str, text: str, tip: str) -> None:
        box = QCheckBox(text)
        box.setObjectName(key)
        box.setToolTip(tip)
        box.toggled.connect(self._on_edited)
        self._inputs[key] = box
        self._add_row(key, label, box)

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

    # -- public API --------------------------------------------------------------------------

    def field(self, key: str) -> QWidget:
        """The input widget of a dotted field name such as ``train.lr`` (or ``preset``)."""
        return self._inputs[key]

    def section(self, title: str) -> CollapsibleSection:
        """The section called ``title``: "Network", "Data", "Training" or "Advanced"."""
        return self._sections[title]

    def preset(self) -> str:
        """The preset shown in the chooser: "custom", a recipe name or a model name."""
        return str(self._preset.currentData())

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
        data = self._draft.data
        if data.dataset == "folder":
            channels, native = getattr(data, "channels", 1), getattr(data, "image_size", NATIVE_SIZE)
        else:
            channels, native = NATIVE_SHAPES.get(data.dataset, (1, NATIVE_SIZE))
        model = replace(self._draft.model, in_channels=channels)
        side = data.resize or native
        return model, (channels, side, side)

    def data_input(self) -> DataConfig | None:
        """The data settings when the fields shaping them are valid, else None.

        The data preview needs only these, so a bad learning rate does not hide it.
        """
        if any(key.startswith("data.") for key in self._errors):
            return None
        return self._draft.data

    def augmentation(self) -> str:
        """The augmentation mode chosen in the form ("none", "flip" or "crop+flip")."""
        return self._draft.train.augment

    def is_valid(self) -> bool:
        """True when the settings can be trained."""
        return self._config is not None

    def set_config(self, cfg: RunConfig) -> None:
        """Fill every field from ``cfg`` (values the form cannot offer keep the current choice).

        The preset chooser shows the recipe ``cfg`` equals (whatever its data folder), else "custom".
        """
        self._fill(cfg)
        self._select_preset_silently(self._matching_recipe(cfg))
        self._revalidate()

    def set_dataset(self, name: str) -> None:
        """Choose a data set by its config name, e.g. "sample"."""
        self._select("data.dataset", name)

    def set_devices(self, devices: list[str], auto_label: str = "") -> None:
        """Offer these device names, keeping the current choice when it is still offered.

        ``auto_label`` describes what auto means here, e.g. "cpu, bf16"; its last part, when
        a precision, labels the precision's auto choice too ("auto (bf16)").
        """
        combo = self._combo("train.device")
        current = combo.currentData()
        if current == "auto" and self._base.train.device in devices:
            current = self._base.train.device
        with self._programmatic():
            combo.clear()
            for name in devices:
                text = f"auto ({auto_label})" if name == "auto" and auto_label else name
                combo.addItem(text, name)
            self._select("train.device", current if current in devices else "auto")
        precision = auto_label.rsplit(",", 1)[-1].strip()
        self.set_auto_precision(precision if precision in PRECISIONS and precision != "auto" else "")

    def set_auto_precision(self, resolved: str) -> None:
        """Label the precision's auto choice with what it resolves to, e.g. "auto (bf16)"."""
        self._auto_precision = resolved
        combo = self._combo("train.precision")
        index = combo.findData("auto")
        if index >= 0:
            combo.setItemText(index, f"auto ({resolved})" if resolved else "auto")
        self._revalidate()

    def set_root_placeholder(self, text: str) -> None:
        """Show where the data goes when the folder field is left empty."""
        self._root_edit.setPlaceholderText(text)

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

    def _edit(self, key: str) -> QLineEdit:
        widget = self._inputs[key]
        assert isinstance(widget, QLineEdit)
        return widget

    def _check(self, key: str) -> QCheckBox:
        widget = self._inputs[key]
        assert isinstance(widget, QCheckBox)
        return widget

    def _select(self, key: str, value: Any) -> None:
        combo = self._combo(key)
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _fill(self, cfg: RunConfig) -> None:
        self._base = cfg
        with self._programmatic():
            for tf in self._text_fields:
                tf.edit.setText(tf.format(get_field(cfg, tf.key)))
            for key in COMBO_KEYS:
                self._select(key, get_field(cfg, key))
            for key in CHECK_KEYS:
                self._check(key).setChecked(bool(get_field(cfg, key)))
            self._root_edit.setText(cfg.data.root or "")

    def _matching_recipe(self, cfg: RunConfig) -> str:
        for name, recipe in PRESETS.items():
            if replace(cfg, data=replace(cfg.data, root=None)) == recipe:
                return name
        return CUSTOM

    def _select_preset_silently(self, name: str) -> None:
        index = self._preset.findData(name)
        if index >= 0 and index != self._preset.currentIndex():
            self._preset.blockSignals(True)
            self._preset.setCurrentIndex(index)
            self._preset.blockSignals(False)

    def _on_preset_changed(self, _index: int) -> None:
        name = self.preset()
        if name in PRESETS:
            root = self._root_edit.text().strip() or None
            recipe = PRESETS[name]
            self._fill(replace(recipe, data=replace(recipe.data, root=root)))
        elif name in MODEL_PRESETS:
            block, blocks = MODEL_PRESETS[name]
            with self._programmatic():
                self._select("model.block", block)
                self._edit("model.blocks").setText(format_blocks(blocks))
                self._edit("model.channels").setText("64")
        else:
            return
        self._revalidate()

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self._root_edit.text())
        if folder:
            self._root_edit.setText(folder)

    def _on_edited(self, *_args: object) -> None:
        if self._updating:
            return
        self._select_preset_silently(CUSTOM)
        self._revalidate()

    def _revalidate(self) -> None:
        self._draft, self._errors = self._read()
        self._config = None if self._errors else self._draft
        self._update_enabled()
        self._update_errors()
        emit(self.changed, self._config)

    def _read(self) -> tuple[RunConfig, dict[str, str]]:
        errors: dict[str, str] = {}
        values: dict[str, dict[str, Any]] = {"model": {}, "data": {}, "train": {}}
        unused = self._unused_keys()
        for tf in self._text_fields:
            try:
                value = tf.parse(tf.edit.text())
            except (ValueError, OverflowError) as exc:
                if tf.key not in unused:
                    errors[tf.key] = str(exc)
                continue
            section, name = tf.key.split(".")
            values[section][name] = value
        for key in COMBO_KEYS:
            section, name = key.split(".")
            values[section][name] = self._combo(key).currentData()
        for key in CHECK_KEYS:
            section, name = key.split(".")
            values[section][name] = self._check(key).isChecked()
        values["data"]["root"] = self._root_edit.text().strip() or None

        base = self._base
        cfg = RunConfig(model=replace(base.model, **values["model"]),
                        data=replace(base.data, **values["data"]),
                        train=replace(base.train, **values["train"]))
        problems = validate(cfg)
        # A greyed-out or hidden field cannot be fixed: it keeps its last good value instead.
        kept = {p.field for p in problems if p.field in unused}
        if kept:
            sections: dict[str, dict[str, Any]] = {}
            for key in kept:
                section, name = key.split(".")
                sections.setdefault(section, {})[name] = get_field(base, key)
            cfg = replace(cfg, **{sec: replace(getattr(cfg, sec), **changes) for sec, changes in sections.items()})
            problems = validate(cfg)
        for problem in problems:
            key = problem.field if problem.field in self._error_labels else "form"
            if key not in errors:
                errors[key] = problem.message if key != "form" else str(problem)
        return cfg, errors

    def _unused_keys(self) -> set[str]:
        """Fields the current choices ignore: momentum with Adam, the folder fields for other data sets."""
        unused: set[str] = set()
        if self._combo("train.optimizer").currentData() != "sgd":
            unused.add("train.momentum")
        if self._combo("data.dataset").currentData() != "folder":
            unused.update(FOLDER_KEYS)
        return unused

    def _update_enabled(self) -> None:
        unused = self._unused_keys()
        self._inputs["train.momentum"].setEnabled("train.momentum" not in unused)
        small_stem = self._combo("model.stem").currentData() == "small"
        self._inputs["model.stem_pool"].setEnabled(small_stem)
        for key in FOLDER_KEYS:
            for widget in self._rows[key]:
                widget.setVisible(key not in unused)

    def _update_errors(self) -> None:
        for key, label in self._error_labels.items():
            message = self._errors.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
            self._inputs[key].setStyleSheet(ERROR_BORDER if message else "")
            if message and not self._section_of[key].is_expanded():
                self._section_of[key].set_expanded(True)
        general = self._errors.get("form", "")
        self._general_error.setText(general)
        self._general_error.setVisible(bool(general))
