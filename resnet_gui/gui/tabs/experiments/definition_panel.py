"""Define an experiment: the settings to vary, a strategy, a budget, pruning; saved and loaded as sweep.toml.

The run each trial starts from is the form's: the window hands it in with ``set_base``. The
definition is read into the same table ``sweep.toml`` holds and checked by ``parse_sweep``, so the
window and ``resnet-gui sweep`` refuse the same things; a problem names the setting by its label.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ....errors import ConfigError
from ....experiments.definition import Sweep, parse_sweep
from ....settings.config import SPECS, RunConfig
from ...qt_compat import emit
from ...widgets.palette import set_tone
from .space_editor import SpaceEditor

STRATEGY_LABELS = {"grid": "grid: every combination", "random": "random", "tpe": "Bayesian (TPE)"}
PRUNER_LABELS = {"none": "none", "median": "median", "halving": "successive halving"}
TRIALS, WALL_TIME = "trials", "wall time"


def field_names(message: str, keys: list[str]) -> str:
    """parse_sweep's message with each setting's dotted name said by its label, e.g. ``Learning rate (train.lr)``."""
    text = message.removeprefix("the experiment: ")
    for key in sorted(keys, key=len, reverse=True):
        text = text.replace(f"space.{key}", f"{SPECS[key].label} ({key})")
    return text.replace("base.", "the form's ").replace("timeout_s:", "Wall time:").replace("trials:", "Trials:")


class DefinitionPanel(QWidget):
    """The experiment being defined; ``start_clicked`` when Start is pressed with a valid definition."""

    start_clicked = Signal(object, int)  # Sweep, workers
    save_clicked = Signal()
    load_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base: RunConfig | None = None
        self.space = SpaceEditor()
        self.name = QLineEdit()
        self.name.setPlaceholderText("experiment-DATE-TIME")
        self.strategy = QComboBox()
        for key, label in STRATEGY_LABELS.items():
            self.strategy.addItem(label, key)
        self.budget_kind = QComboBox()
        self.budget_kind.addItems([TRIALS, WALL_TIME])
        self.trials = QSpinBox()
        self.trials.setRange(0, 10_000)
        self.trials.setSpecialValueText("every grid point")
        self.trials.setValue(0)
        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(0.1, 100_000)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(10)
        self.minutes.hide()
        self.pruner = QComboBox()
        for key, label in PRUNER_LABELS.items():
            self.pruner.addItem(label, key)
        self.pruner.setToolTip("Stop a trial whose test accuracy at an epoch trails the other trials'")
        self.workers = QSpinBox()
        self.workers.setRange(1, max(1, os.cpu_count() or 1))
        self.workers.setToolTip("Worker processes on this machine, each running one trial at a time")
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        set_tone(self.problems, "error")
        self.problems.hide()
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Run the trials as background processes: they go on when the window closes")
        self.save_button, self.load_button = QPushButton("Save sweep.toml…"), QPushButton("Load sweep.toml…")

        budget = QHBoxLayout()
        for w in (self.budget_kind, self.trials, self.minutes):
            budget.addWidget(w)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Vary", self.space)
        form.addRow("Strategy", self.strategy)
        form.addRow("Budget", budget)
        form.addRow("Pruning", self.pruner)
        form.addRow("Name", self.name)
        form.addRow("Workers", self.workers)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addLayout(buttons)

        self.budget_kind.currentIndexChanged.connect(self._on_budget_kind)
        self.strategy.currentIndexChanged.connect(self._on_strategy)
        self.start_button.clicked.connect(self._on_start)
        self.save_button.clicked.connect(lambda: emit(self.save_clicked))
        self.load_button.clicked.connect(lambda: emit(self.load_clicked))
        self.space.edited.connect(self.problems.hide)
        self.space.add_row("train.lr")

    def set_base(self, cfg: RunConfig | None) -> None:
        """The form's settings (None while they are invalid): every trial starts from them."""
        self._base = cfg

    def _on_budget_kind(self, index: int) -> None:
        self.trials.setVisible(index == 0)
        self.minutes.setVisible(index == 1)

    def _on_strategy(self, _index: int) -> None:
        grid = self.strategy.currentData() == "grid"
        self.trials.setSpecialValueText("every grid point" if grid else "")
        if not grid and self.trials.value() == 0:
            self.trials.setValue(10)

    def document(self) -> dict[str, Any]:
        """The definition as sweep.toml's table (ValueError listing the values that cannot be read)."""
        if self._base is None:
            raise ValueError("The form's settings are not valid: fix the fields marked in red; trials start from them")
        space, problems = self.space.space()
        if problems:
            raise ValueError("; ".join(problems))
        doc: dict[str, Any] = {
            "base": self._base.to_dict(),
            "space": space,
            "strategy": self.strategy.currentData(),
            "pruner": self.pruner.currentData(),
        }
        if self.name.text().strip():
            doc["name"] = self.name.text().strip()
        if self.budget_kind.currentText() == WALL_TIME:
            doc["timeout_s"] = round(self.minutes.value() * 60, 3)
        elif self.trials.value() > 0:
            doc["trials"] = self.trials.value()
        return doc

    def sweep(self) -> Sweep:
        """The sweep defined; ConfigError whose message names each setting or field with a problem."""
        try:
            doc = self.document()
        except ValueError as e:
            raise ConfigError(str(e)) from None
        try:
            return parse_sweep(doc, "the experiment")
        except ConfigError as e:
            raise ConfigError(field_names(str(e), list(doc["space"]))) from None

    def checked_sweep(self) -> Sweep | None:
        """The sweep, or None with its problems shown under the definition."""
        try:
            sweep = self.sweep()
        except ConfigError as e:
            self.problems.setText(str(e))
            self.problems.show()
            return None
        self.problems.hide()
        return sweep

    def set_sweep(self, sweep: Sweep) -> None:
        """Show a loaded sweep's definition (its base goes to the form through the window)."""
        self.space.set_params(sweep.params)
        self.strategy.setCurrentIndex(self.strategy.findData(sweep.strategy))
        self.pruner.setCurrentIndex(self.pruner.findData(sweep.pruner))
        self.name.setText(sweep.name)
        if sweep.timeout_s is not None and sweep.trials is None:
            self.budget_kind.setCurrentIndex(1)
            self.minutes.setValue(sweep.timeout_s / 60)
        else:
            self.budget_kind.setCurrentIndex(0)
            self.trials.setValue(sweep.trials or 0)
        self.problems.hide()

    def _on_start(self) -> None:
        sweep = self.checked_sweep()
        if sweep is not None:
            emit(self.start_clicked, sweep, self.workers.value())
