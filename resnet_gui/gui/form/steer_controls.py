"""Steering a run from the window: a new learning rate (a factor on the schedule, or a new value) and
the number of epochs, asked while the run trains, is paused or is followed from the run history.

The widgets only ask (``steer_asked(setting, value)``); the run session writes the change to the run
history and the run applies it before its next batch. Values are checked here as the engine checks them.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from ...settings.config import MAX_EPOCHS
from ...training.steering import check_change
from ..qt_compat import emit
from ..widgets.palette import set_tone

LR_MODES = (("lr_scale", "× schedule"), ("lr", "new value"))


class SteerControls(QGroupBox):
    """ "Change the running run": learning rate (factor or value) and epochs, each with its Apply button."""

    steer_asked = Signal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Change the running run", parent)
        self.setObjectName("steer-controls")
        self.lr_value = QLineEdit("0.5")
        self.lr_value.setToolTip(
            "× schedule: multiply the learning rate, and the rest of its schedule, by this factor; "
            "new value: a new base learning rate, the schedule going on from where it is"
        )
        self.lr_mode = QComboBox()
        for setting, label in LR_MODES:
            self.lr_mode.addItem(label, setting)
        self.lr_apply = QPushButton("Apply")
        self.lr_apply.setToolTip("The run applies the new learning rate before its next batch")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, MAX_EPOCHS)
        self.epochs.setToolTip("Train this many epochs in all (at least the one under way); the schedule follows")
        self.epochs_apply = QPushButton("Apply")
        self.epochs_apply.setToolTip("The run applies the new number of epochs before its next batch")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        set_tone(self.problem, "error")
        self.problem.hide()
        grid = QGridLayout(self)
        grid.addWidget(QLabel("Learning rate"), 0, 0)
        grid.addWidget(self.lr_value, 0, 1)
        grid.addWidget(self.lr_mode, 0, 2)
        grid.addWidget(self.lr_apply, 0, 3)
        grid.addWidget(QLabel("Epochs"), 1, 0)
        grid.addWidget(self.epochs, 1, 1, 1, 2)
        grid.addWidget(self.epochs_apply, 1, 3)
        grid.addWidget(self.problem, 2, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        self.lr_apply.clicked.connect(self._ask_lr)
        self.lr_value.returnPressed.connect(self._ask_lr)
        self.lr_value.textChanged.connect(lambda _t: self._say(""))
        self.lr_mode.currentIndexChanged.connect(self._on_mode)
        self.epochs_apply.clicked.connect(lambda: self._ask("epochs", float(self.epochs.value())))

    def set_epochs(self, epochs: int) -> None:
        """The run's number of epochs now (as it started, or as last changed)."""
        self.epochs.setValue(epochs)

    def _on_mode(self, _index: int) -> None:
        self.lr_value.setText("0.5" if self.lr_mode.currentData() == "lr_scale" else "0.001")

    def _ask_lr(self) -> None:
        try:
            value = float(self.lr_value.text().strip())
        except ValueError:
            self._say(f"The learning rate must be a number, not {self.lr_value.text().strip()!r}.")
            return
        self._ask(str(self.lr_mode.currentData()), value)

    def _ask(self, setting: str, value: float) -> None:
        problem = check_change(setting, value)
        self._say(problem[:1].upper() + problem[1:] + "." if problem else "")
        if not problem:
            emit(self.steer_asked, setting, value)

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
