"""Whether the window may close now. Mid-run it asks first (Quit or Cancel), then stops the run and
closes once the run has ended, saved as stopped; Ctrl-C and SIGTERM close the same way without asking."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtWidgets import QMainWindow

from . import questions
from .session.run_session import RunSession

STOPPING = "Stopping the run before closing…"


class Closing(QObject):
    """Decides ``window``'s closes; ``run_finished`` is the window's signal that the run has ended,
    ``show_status`` shows the run's status line."""

    def __init__(
        self,
        window: QMainWindow,
        session: RunSession,
        run_finished: SignalInstance,
        show_status: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._show_status = show_status
        self.pending = False  # the run is stopping so that the window can close
        self._ask = True
        run_finished.connect(self._on_run_finished)

    def close_without_asking(self) -> None:
        """Close as the close button does, without the question (for Ctrl-C and SIGTERM)."""
        self._ask = False
        self._window.close()

    def may_close(self) -> bool:
        """True when the window can close now; mid-run, asks, then stops the run and closes when it has ended."""
        if not self._session.training:
            return True
        if not self.pending and self._ask and not questions.ask_stop_and_quit(self._window):
            return False
        if not self._session.training:  # the run ended while the question was open
            return True
        self.pending = True
        self._session.stop()
        self._show_status(STOPPING)
        return False

    def _on_run_finished(self, _status: str) -> None:
        if self.pending:
            self._window.close()
