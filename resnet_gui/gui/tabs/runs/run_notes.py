"""The Runs tab's notes box: one run's notes, saved a moment after the user stops typing."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from ...qt_compat import emit

NOTES_SAVE_DELAY_MS = 400


class RunNotes(QPlainTextEdit):
    """Shows the notes of the run it is given; ``save_requested(run_id, text)`` asks to keep edits."""

    save_requested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_id: int | None = None
        self._setting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NOTES_SAVE_DELAY_MS)
        self._timer.timeout.connect(self._save)
        self.textChanged.connect(self._on_edited)
        self._update_state()

    def show_run(self, run_id: int | None, notes: str = "") -> None:
        """Show ``notes`` of run ``run_id`` (None: no single run selected); pending edits are saved first."""
        if run_id == self.run_id:
            return
        self.flush()
        self.run_id = run_id
        self._setting = True
        try:
            self.setPlainText(notes if run_id is not None else "")
        finally:
            self._setting = False
        self._update_state()

    def flush(self) -> None:
        """Save edits still waiting for the typing pause."""
        if self._timer.isActive():
            self._timer.stop()
            self._save()

    def _update_state(self) -> None:
        self.setEnabled(self.run_id is not None)
        self.setPlaceholderText(
            "Notes on the selected run (saved as you type)"
            if self.run_id is not None
            else "Select one run to read or write its notes"
        )

    def _on_edited(self) -> None:
        if not self._setting and self.run_id is not None:
            self._timer.start()

    def _save(self) -> None:
        if self.run_id is not None:
            emit(self.save_requested, self.run_id, self.toPlainText())
