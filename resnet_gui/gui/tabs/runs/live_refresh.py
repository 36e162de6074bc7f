"""When the Runs tab re-reads the run history: as the session's run is recorded, ends an epoch and
ends, and every few seconds while any run is going on (here or in another process, e.g. the CLI)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ....runs.status import RunStatus
from ....training.events import EpochEnd
from ...qt_compat import emit

if TYPE_CHECKING:
    from ...session.run_session import RunSession

LIVE_REFRESH_MS = 2000


class LiveRefresh(QObject):
    """Says ``refresh_needed`` whenever the table should be read again; ``last_run_id`` is the session's latest run."""

    refresh_needed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last_run_id: int | None = None
        self._watching = False
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(LIVE_REFRESH_MS)
        self._timer.timeout.connect(lambda: emit(self.refresh_needed))

    def bind(self, session: RunSession) -> None:
        """Follow ``session``'s run."""
        session.run_recorded.connect(self._on_run_recorded)
        session.epoch_end.connect(self._on_epoch_end)
        session.run_ended.connect(self._on_run_finished)

    def update(self, runs: list[Any]) -> None:
        """Tick every few seconds while the session's run or any of ``runs`` is going on."""
        live = not self._closed and (self._watching or any(r.status == RunStatus.RUNNING for r in runs))
        if live and not self._timer.isActive():
            self._timer.start()
        elif not live:
            self._timer.stop()

    def stop(self) -> None:
        """No more ticks (the window closes)."""
        self._closed = True
        self._timer.stop()

    @Slot(int)
    def _on_run_recorded(self, run_id: int) -> None:
        self.last_run_id = run_id
        self._watching = True
        self.update([])
        emit(self.refresh_needed)

    @Slot(object)
    def _on_epoch_end(self, _event: EpochEnd) -> None:
        emit(self.refresh_needed)

    @Slot(str, str, bool)
    def _on_run_finished(self, _status: str, _message: str, _offer_sample: bool) -> None:
        self._watching = False
        emit(self.refresh_needed)
