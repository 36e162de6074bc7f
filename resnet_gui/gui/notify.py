"""When a run ends: how long it took against its estimate, and telling the desktop if the window is not in front.

``RunEndNotifier`` listens to the run session's ``run_ended``; it reads the run's record (its
duration and the estimate stored when it started) in the "run-end" lane, announces the outcome
(``reported``), and when the window is not the active one asks the desktop for attention
(``QApplication.alert``: a flashing taskbar entry or a bouncing dock icon) and shows a tray
message where the desktop has a system tray, e.g. "Run 3 finished: test accuracy 0.912 in 4 min 10 s".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon, QWidget

from ..runs.comparison import BestLast
from ..units import against_estimate, say_duration
from .jobs import Jobs
from .qt_compat import emit

if TYPE_CHECKING:
    from .session.run_session import RunSession

TRAY_MESSAGE_MS = 10000


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended, with its real duration and the one estimated before it started (None: not known)."""

    run_id: int | None
    status: str
    epochs: int
    test_acc: float | None = None
    duration_s: float | None = None
    estimated_s: float | None = None

    @property
    def name(self) -> str:
        """ "Run 3", or "The run" before it was recorded."""
        return f"Run {self.run_id}" if self.run_id is not None else "The run"

    def message(self) -> str:
        """ "Run 3 finished: test accuracy 0.912 in 4 min 10 s"."""
        parts = []
        if self.test_acc is not None:
            after = "" if self.status == "finished" else f" after {self.epochs} epoch{'s' * (self.epochs != 1)}"
            parts.append(f"test accuracy {self.test_acc:.3f}{after}")
        if self.duration_s is not None:
            parts.append(f"in {say_duration(self.duration_s)}")
        return f"{self.name} {self.status}" + (": " + " ".join(parts) if parts else "")

    def timing(self) -> str:
        """ "Run 3 took 4 min 10 s (estimated 3 min 55 s, +6 %)" ("" when the duration is not known)."""
        if self.duration_s is None:
            return ""
        return f"{self.name} took {against_estimate(self.duration_s, self.estimated_s)}"


def read_outcome(db_path: Path, run_id: int, status: str, test_acc: float | None, epochs: int) -> RunOutcome:
    """The run's duration and estimate from the run history (in a lane's thread)."""
    from .session.training_job import open_run_store

    run = open_run_store(db_path).get(run_id)
    return RunOutcome(run_id, status, epochs, test_acc, run.duration_s, run.estimated_s)


def window_in_front(window: QWidget) -> bool:
    """True when the user is looking at ``window`` (it is the active window and not minimised)."""
    return window.isActiveWindow() and not window.isMinimized()


def tray_available() -> bool:
    """Whether the desktop has a system tray to show a message in."""
    return QSystemTrayIcon.isSystemTrayAvailable()


def alert(window: QWidget) -> None:
    """Ask the desktop to draw attention to ``window`` until it is activated."""
    QApplication.alert(window)


class RunEndNotifier(QObject):
    """Announces each ended run of ``session`` as ``reported(RunOutcome)`` and tells the desktop when
    ``window_of()`` is not in front."""

    reported = Signal(object)

    def __init__(
        self, window_of: Callable[[], QWidget], session: RunSession, jobs: Jobs, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window_of, self._session = window_of, session
        self._lane = jobs.lane("run-end")
        self._tray: QSystemTrayIcon | None = None
        session.run_ended.connect(self._on_run_ended)

    def _on_run_ended(self, status: str, _message: str, _offer_sample: bool) -> None:
        s = self._session
        run_id, epochs = s.run_id, len(s.history)
        scores = BestLast.of(s.history)
        test_acc = scores.last if scores is not None else None
        known = RunOutcome(run_id, status, epochs, test_acc)
        if run_id is None:
            self._deliver(known)
            return
        db = s.runs_db
        self._lane.submit(
            "Reading the run's duration",
            lambda _ctx: read_outcome(db, run_id, status, test_acc, epochs),
            on_done=self._deliver,
            on_error=lambda _message, _offer: self._deliver(known),
        )

    def _deliver(self, outcome: RunOutcome) -> None:
        emit(self.reported, outcome)
        window = self._window_of()
        if not window_in_front(window):
            self._tell_desktop(window, outcome.message())

    def _tell_desktop(self, window: QWidget, text: str) -> None:
        alert(window)
        if not tray_available():
            return
        if self._tray is None:
            icon = window.windowIcon()
            if icon.isNull():
                icon = window.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip("resnet-gui")
        self._tray.show()
        self._tray.showMessage("resnet-gui", text, QSystemTrayIcon.MessageIcon.Information, TRAY_MESSAGE_MS)
