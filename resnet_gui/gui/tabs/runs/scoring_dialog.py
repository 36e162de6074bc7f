"""A window that scores recorded runs in the background: Compare mistakes and Score together.

Each has its own lane (latest request wins; closing the window cancels it), a status line saying
what it is doing or why it cannot, and a Cancel button while it works; what cannot be scored is
said in the window and, through ``error``, in the main window's banner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from ...jobs import JobContext, Jobs
from ...qt_compat import emit
from ...widgets import palette


class ScoringDialog(QDialog):
    """The lane, ``status_label`` and ``cancel_button`` (for the subclass to lay out) and ``start``.

    ``cancelled_text`` is what the status line says after Cancel (how to start again).
    """

    error = Signal(str)

    def __init__(self, jobs: Jobs, lane: str, cancelled_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lane_key, self._cancelled_text = lane, cancelled_text
        self._lane = jobs.lane(lane, latest_wins=True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop scoring the runs")
        self.cancel_button.clicked.connect(lambda: self._lane.cancel(self._lane_key))

    @property
    def busy(self) -> bool:
        """True while the runs are being scored."""
        return self._lane.busy

    def start(self, status: str, label: str, work: Callable[[JobContext], Any], show: Callable[[Any], None]) -> None:
        """Show the window saying ``status`` and run ``work`` in the lane; ``show`` gets its result."""
        self.status_label.setText(status)
        palette.set_tone(self.status_label, "")
        self._set_busy(True)
        self.show()
        self.activateWindow()
        self._lane.submit(
            label,
            work,
            key=self._lane_key,
            on_done=lambda result: self._on_done(result, show),
            on_error=lambda message, _offer: self._on_error(message),
            on_cancelled=self._on_cancelled,
        )

    def _on_done(self, result: Any, show: Callable[[Any], None]) -> None:
        self.status_label.setText("")
        show(result)
        self._set_busy(False)

    def _on_error(self, message: str) -> None:
        self._set_busy(False)
        self.status_label.setText(message)
        palette.set_tone(self.status_label, "error")
        emit(self.error, message)

    def _on_cancelled(self) -> None:
        self._set_busy(False)
        self.status_label.setText(self._cancelled_text)
        palette.set_tone(self.status_label, "muted")

    def _set_busy(self, busy: bool) -> None:
        self.cancel_button.setVisible(busy)
        self.status_label.setVisible(bool(self.status_label.text()))

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        """Closing the window (or Escape) stops the scoring; minimising it does not."""
        if not event.spontaneous():
            self._lane.cancel(self._lane_key)
        super().hideEvent(event)
