"""Train, Pause/Resume and Stop below the form, with "Run in background" and its process count.

The buttons only ask (``train_clicked``, ``pause_toggled``, ``stop_clicked``); whether each is
enabled follows the run session's state and whether the form's settings can be trained.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ..qt_compat import emit
from ..session.run_session import RunSession, SessionState
from ..widgets.palette import set_tone


class BackgroundControls(QWidget):
    """ "Run in background" and "processes"; flags a batch size N processes cannot split."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox("Run in background")
        self.check.setToolTip(
            "Train in a separate process that goes on when the window closes; "
            "the window follows it from the run history"
        )
        self.processes = QSpinBox()
        self.processes.setRange(1, max(os.cpu_count() or 1, 1))
        self.processes.setPrefix("processes: ")
        self.processes.setToolTip(
            "1: one process; N > 1: torchrun with N processes on this machine "
            "(Gloo on CPU); the batch size must be divisible by N"
        )
        self.warning = QLabel()
        set_tone(self.warning, "error")
        self.warning.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.processes)
        layout.addWidget(self.warning, 1)
        self.check.toggled.connect(self._update)
        self.processes.valueChanged.connect(self._update)
        self._batch_size = 0
        self._update()

    @property
    def enabled(self) -> bool:
        """True when Train should start a background run."""
        return self.check.isChecked()

    def set_batch_size(self, batch_size: int) -> None:
        """The form's batch size, checked against the number of processes."""
        self._batch_size = batch_size
        self._update()

    def problem(self) -> str:
        """Why a background run can't start with these settings ("" when it can)."""
        n = self.processes.value()
        if self.enabled and n > 1 and self._batch_size and self._batch_size % n:
            return f"batch size {self._batch_size} is not divisible by {n} processes"
        return ""

    def _update(self) -> None:
        self.processes.setEnabled(self.enabled)
        text = self.problem()
        self.warning.setText(text)
        self.warning.setVisible(bool(text))


class RunControls(QWidget):
    """The run's buttons; ``train_clicked(in_background, processes)`` when Train is pressed."""

    train_clicked = Signal(bool, int)
    pause_toggled = Signal(bool)
    stop_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause training (everything stays in memory); press Resume to continue")
        self.stop_button = QPushButton("Stop")
        self.background = BackgroundControls()
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.background)
        self._state = SessionState.IDLE
        self._stoppable = False
        self._form_ok = True
        self.train_button.clicked.connect(self._on_train)
        self.pause_button.clicked.connect(lambda: emit(self.pause_toggled, self._state != SessionState.PAUSED))
        self.stop_button.clicked.connect(self.stop_clicked)
        self.background.check.toggled.connect(lambda _on: self._update())
        self.background.processes.valueChanged.connect(lambda _n: self._update())
        self._update()

    def bind(self, session: RunSession) -> None:
        """Follow ``session``'s state."""

        def on_state(state: str) -> None:
            self._state, self._stoppable = SessionState(state), session.stoppable
            self._update()

        session.state_changed.connect(on_state)

    def set_form(self, valid: bool, batch_size: int) -> None:
        """Whether the form's settings can be trained, and their batch size."""
        self._form_ok = valid
        self.background.set_batch_size(batch_size if valid else 0)
        self._update()

    def _on_train(self) -> None:
        emit(self.train_clicked, self.background.enabled, self.background.processes.value())

    def _update(self) -> None:
        idle = self._state == SessionState.IDLE
        self.train_button.setEnabled(idle and self._form_ok and not self.background.problem())
        self.stop_button.setEnabled(self._stoppable)
        self.pause_button.setEnabled(
            self._state in (SessionState.PREPARING, SessionState.TRAINING, SessionState.PAUSED)
        )
        self.pause_button.setText("Resume" if self._state == SessionState.PAUSED else "Pause")
