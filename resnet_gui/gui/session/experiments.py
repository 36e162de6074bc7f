"""The window's experiments: which there are, the one followed, and starting, pausing, stopping, resuming it.

Experiments run as background worker processes (``experiments.processes``), so they outlive the
window; this model only reads their study and asks their workers. Every read and every start or
signal to the workers is a job in the "experiments" lane; views hear back through the signals.
While the followed experiment runs, it is read again every ``POLL_MS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ...experiments.definition import Sweep
from ..jobs import Jobs
from ..qt_compat import emit

POLL_MS = 2000
# What the model says of the followed experiment: the study's state, or what was asked of its workers.
NONE, PAUSING, STOPPING = "", "pausing", "stopping"


class ExperimentsSession(QObject):
    """Ask with the methods; ``listed([(name, running)])``, ``updated(ExperimentView)`` and
    ``state_changed(state)`` say what is known; ``message`` is for the status line, ``error`` for the banner."""

    listed = Signal(object)
    updated = Signal(object)
    state_changed = Signal(str)
    message = Signal(str)
    error = Signal(str)

    def __init__(self, jobs: Jobs, runs_db: str | Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs_db = str(runs_db)
        self.name: str | None = None  # the experiment followed
        self.view: Any = None  # its last ExperimentView
        self.names: list[str] = []
        self._lane = jobs.lane("experiments")
        self._asked = NONE
        self._reading = self._read_again = False
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def state(self) -> str:
        """running, pausing, stopping, paused, finished, or "" when none is followed."""
        if self.view is None:
            return NONE
        return self._asked if self.view.workers and self._asked else str(self.view.state)

    @property
    def busy(self) -> bool:
        """True while a job of the lane is outstanding."""
        return self._lane.busy

    def _submit(self, label: str, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        def failed(message: str, _offer: bool) -> None:
            self._reading = False
            emit(self.error, message)

        self._lane.submit(label, lambda _ctx: fn(), on_done=on_done, on_error=failed)

    def refresh(self) -> None:
        """List the experiments beside the run history; follow a running one (else the newest) if none is."""
        from ...experiments.overview import list_experiments

        self._submit("Reading the experiments", lambda: list_experiments(self.runs_db), self._on_listed)

    def follow(self, name: str) -> None:
        """Show the experiment ``name`` and keep it up to date while it runs."""
        if name != self.name:
            self.name, self.view, self._asked = name, None, NONE
        self.poll()

    def poll(self) -> None:
        """Read the followed experiment again (one read at a time; a request during one reads once more after)."""
        if self.name is None or self._closed:
            return
        if self._reading:
            self._read_again = True
            return
        from ...experiments.overview import read_experiment

        self._reading, self._read_again = True, False
        name, previous, db = self.name, self.view, self.runs_db
        self._submit(f"Reading the experiment {name!r}", lambda: read_experiment(db, name, previous), self._on_read)

    def start(self, sweep: Sweep, workers: int = 1) -> None:
        """Make a new experiment of ``sweep`` and start its workers in the background; then follow it."""
        from ...experiments.overview import new_name
        from ...experiments.processes import launch_sweep

        db, taken = self.runs_db, list(self.names)

        def launch() -> Any:
            return launch_sweep(sweep, db, new_name(sweep, taken), workers=workers)

        self._submit("Starting the experiment", launch, self._on_launched)

    def resume(self, workers: int = 1) -> None:
        """Start workers joining the followed experiment again: they take its trials still to run."""
        from ...experiments.overview import launch_workers

        if self.view is None or self.view.workers:
            return
        name, storage, db = self.view.name, self.view.storage, self.runs_db
        self._submit("Resuming the experiment", lambda: launch_workers(name, storage, db, workers), self._on_launched)

    def pause(self) -> None:
        """Ask the workers to stop after their current trial."""
        self._ask_workers(PAUSING, after_trial=True)

    def stop(self) -> None:
        """Ask the workers to stop now: the current trial's run stops after its batch (it runs again on resume)."""
        self._ask_workers(STOPPING, after_trial=False)

    def _ask_workers(self, asked: str, after_trial: bool) -> None:
        from ...experiments.processes import stop_workers

        if self.view is None or not self.view.workers:
            return
        # A signal to each worker, at once rather than in the lane: the window may close right after.
        stop_workers(tuple(self.view.workers), after_trial)
        self._asked = asked
        emit(self.state_changed, self.state)
        self.poll()

    def shutdown(self) -> None:
        """No more reads (the window closes); the workers go on."""
        self._closed = True
        self._timer.stop()

    def _on_listed(self, found: list[tuple[str, bool]]) -> None:
        self.names = [name for name, _running in found]
        emit(self.listed, found)
        if self.name is None and found:
            running = [name for name, live in found if live]
            self.follow(running[0] if running else found[0][0])

    def _on_launched(self, launch: Any) -> None:
        count = len(launch.pids)
        emit(self.message, f"Experiment {launch.name!r}: {count} worker{'s' if count != 1 else ''} started")
        self.name, self.view, self._asked = None, None, NONE
        self.follow(launch.name)
        self.refresh()

    def _on_read(self, view: Any) -> None:
        self._reading = False
        if self._closed or view.name != self.name:
            return
        before = self.state
        self.view = view
        if not view.workers:
            self._asked = NONE
        emit(self.updated, view)
        if self.state != before:
            emit(self.state_changed, self.state)
            if before in ("running", PAUSING, STOPPING) and not view.workers:
                self.refresh()  # the list's "running" marks
        if view.workers and not self._timer.isActive():
            self._timer.start()
        elif not view.workers:
            self._timer.stop()
        if self._read_again:
            self.poll()
