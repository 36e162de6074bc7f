"""Runs in a separate process: launched from the form, followed live from the run store, stopped by signal.

A background run is ``python -m resnet_gui train --config FILE --runs-db DB --name NAME`` (or the
same under ``torch.distributed.run`` with N processes), started in a session of its own so that
closing the window leaves it running. Its settings (TOML) and its output (a log file) lie in a
``background`` folder beside the run history. The window follows a run by polling the store in a
thread of its own and appending only the new epochs and batch losses; Stop sends SIGTERM to the
run's process group (the CLI stops after the current batch and records "stopped").
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from ..settings.config import RunConfig
from ..training.events import BatchEnd
from ..runs.store import process_alive
from .qt_compat import emit

BACKGROUND_FOLDER = "background"
POLL_INTERVAL_S = 1.0
RUN_APPEAR_TIMEOUT_S = 120.0
ENDED = ("finished", "stopped", "failed", "crashed")


# --- the process ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Launch:
    """A started background run: its process (the session leader), name, settings file and log."""

    pid: int
    name: str
    config_file: Path
    log_file: Path
    processes: int


def command(config_file: Path, db_path: Path, name: str, processes: int = 1) -> list[str]:
    """The command line of a background run (torchrun on this machine when ``processes`` > 1)."""
    train = ["-m", "resnet_gui", "train", "--config", str(config_file), "--runs-db", str(db_path), "--name", name]
    if processes <= 1:
        return [sys.executable, *train]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(processes), *train]


def launch(cfg: RunConfig, db_path: str | Path, processes: int = 1, name: str | None = None) -> Launch:
    """Write the settings beside the run history and start the run in a session of its own."""
    from ..settings.toml_io import save_toml

    db_path = Path(db_path)
    folder = db_path.parent / BACKGROUND_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 100000}"
    name = name or f"background {stamp}"
    config_file = folder / f"run-{stamp}.toml"
    log_file = folder / f"run-{stamp}.log"
    save_toml(cfg, config_file)
    env = dict(os.environ)
    env.pop("RESNET_GUI_RUNS", None)  # --runs-db names the store
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(command(config_file, db_path, name, processes), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
                                cwd=str(folder))
    # Reap it when it ends, so that it doesn't linger as a zombie that still "exists".
    threading.Thread(target=proc.wait, name="resnet-gui reap", daemon=True).start()
    return Launch(proc.pid, name, config_file, log_file, processes)


def _query(db_path: str | Path, sql: str, args: tuple[Any, ...]) -> Any:
    db = sqlite3.connect(str(db_path), timeout=10)
    try:
        return db.execute(sql, args).fetchone()
    finally:
        db.close()


def run_process(db_path: str | Path, run_id: int) -> tuple[int | None, str]:
    """(pid, host) the store recorded for a run (read-only, no migration)."""
    row = _query(db_path, "SELECT pid, host FROM runs WHERE id = ?", (run_id,))
    return (row[0], row[1]) if row else (None, "")


def find_run(db_path: str | Path, name: str) -> int | None:
    """The id of the newest run called ``name`` (None before the process has recorded it)."""
    if not Path(db_path).exists():
        return None
    try:
        row = _query(db_path, "SELECT id FROM runs WHERE name = ? ORDER BY id DESC LIMIT 1", (name,))
    except sqlite3.OperationalError:
        return None  # not migrated yet
    return int(row[0]) if row else None


def is_local(host: str) -> bool:
    """True when a run's recorded host is this machine."""
    return host == socket.gethostname()


def torchrun_launcher(pid: int) -> int | None:
    """The torchrun launcher whose worker ``pid`` is (the store records rank 0's pid), if any (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        cmdline = Path(f"/proc/{ppid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, IndexError):
        return None
    return ppid if b"torch.distributed.run" in cmdline or any(c.endswith(b"torchrun") for c in cmdline) else None


def is_cli_run(pid: int) -> bool:
    """True when ``pid`` is a ``resnet_gui train`` process or a torchrun launcher (True where /proc is missing)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists()
    except OSError:
        return True
    return (b"resnet_gui" in cmdline and b"train" in cmdline) or b"torch.distributed.run" in cmdline


def stop_process(pid: int) -> bool:
    """SIGTERM to the process group of ``pid``, else to ``pid``; False if it is gone.

    For a torchrun worker the launcher is signalled instead: it forwards SIGTERM to every worker
    (each of which runs in a session of its own).
    """
    pid = torchrun_launcher(pid) or pid
    if not is_cli_run(pid):
        return False  # e.g. a run trained inside another window: never signal that window
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return False
    try:
        if pgid != os.getpgrp():  # never signal the window's own group
            os.killpg(pgid, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True


# --- following --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What a poll found new: the record, epochs and (epoch, batch, batches, loss) batch rows."""

    run: Any
    pid: int | None
    epochs: tuple[Any, ...]
    batches: tuple[tuple[int, int, int, float], ...]


class RunFollower(QObject):
    """Polls one run in the store from a thread of its own; ``progress`` carries what is new.

    ``found(run_id)`` fires once the run is in the store (for a launch followed by name);
    ``ended(status)`` once it is no longer running; ``failed(message)`` if it never appears.
    """

    found = Signal(int)
    progress = Signal(object)
    ended = Signal(str)
    failed = Signal(str)

    def __init__(self, db_path: str | Path, run_id: int | None = None, name: str | None = None,
                 launcher_pid: int | None = None, interval_s: float = POLL_INTERVAL_S,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.run_id = run_id
        self._name = name
        self._launcher_pid = launcher_pid
        self._interval = interval_s
        self._stop = threading.Event()
        self._epochs_seen = 0
        self._last_batch: tuple[int, int] = (0, 0)
        self._thread = threading.Thread(target=self._loop, name="resnet-gui follow", daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def shutdown(self) -> None:
        """Stop polling and wait for the thread (the run itself goes on)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        from .worker import open_run_store

        store = None
        started = time.monotonic()
        while not self._stop.is_set():
            try:
                if self.run_id is None:
                    self.run_id = find_run(self.db_path, self._name or "")
                    if self.run_id is None:
                        if self._launcher_pid and not process_alive(self._launcher_pid) or \
                                time.monotonic() - started > RUN_APPEAR_TIMEOUT_S:
                            emit(self.failed, "The background run ended before it was recorded; see its log.")
                            return
                        self._stop.wait(min(self._interval, 0.3))
                        continue
                    emit(self.found, self.run_id)
                if store is None:
                    store = open_run_store(self.db_path)
                if self._poll(store):
                    return
            except Exception as exc:  # noqa: BLE001 - report, keep the window alive
                emit(self.failed, f"Could not follow the run: {type(exc).__name__}: {exc}")
                return
            self._stop.wait(self._interval)

    def _poll(self, store: Any) -> bool:
        assert self.run_id is not None
        run = store.get(self.run_id)  # before the metrics: an ended run's last points are then all read
        epochs = store.epochs(self.run_id)
        new_epochs = tuple(epochs[self._epochs_seen:])
        self._epochs_seen = len(epochs)
        batches = tuple(store.batches_after(self.run_id, *self._last_batch))
        if batches:
            self._last_batch = batches[-1][:2]
        pid = run.pid
        if new_epochs or batches or run.status != "running":
            emit(self.progress, Progress(run, pid, new_epochs, batches))
        if run.status != "running":
            emit(self.ended, run.status)
            return True
        return False


# --- the window's part ------------------------------------------------------------------------


class BackgroundControls(QWidget):
    """"Run in background" and "processes" beside the Train button; flags a batch size N can't split."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox("Run in background")
        self.check.setToolTip("Train in a separate process that goes on when the window closes; "
                              "the window follows it from the run history")
        self.processes = QSpinBox()
        self.processes.setRange(1, max(os.cpu_count() or 1, 1))
        self.processes.setPrefix("processes: ")
        self.processes.setToolTip("1: one process; N > 1: torchrun with N processes on this machine "
                                  "(Gloo on CPU); the batch size must be divisible by N")
        self.warning = QLabel()
        self.warning.setStyleSheet("color: #c0392b;")
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


class BackgroundRuns(QObject):
    """Starts, follows and stops background runs for the main window.

    ``window`` provides ``plots``, ``progress``, ``runs_panel``, ``statusBar()`` and
    ``_update_buttons()``; ``changed`` fires when following starts or ends.
    """

    changed = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self.follower: RunFollower | None = None
        self.pid: int | None = None
        self.run_id: int | None = None
        self.last_status = ""
        self.last_launch: Launch | None = None
        self._stopping = False
        self._launcher_pid: int | None = None

    @property
    def following(self) -> bool:
        """True while the window's plots follow a background run."""
        return self.follower is not None

    @property
    def stoppable(self) -> bool:
        """True while Stop can act on the followed run."""
        return self.following and not self._stopping

    def db_path(self) -> Path:
        """The run history the window uses."""
        from ..runs.store import default_db_path

        return Path(self._window.runs_panel.db_path or default_db_path())

    def start(self, cfg: RunConfig, processes: int = 1) -> Launch:
        """Launch ``cfg`` as a background run and follow it."""
        launched = launch(cfg, self.db_path(), processes)
        self.last_launch = launched
        self._attach(RunFollower(self.db_path(), name=launched.name, launcher_pid=launched.pid, parent=self))
        self.pid = self._launcher_pid = launched.pid
        self._status(f"Background run (pid {launched.pid}) starting… log: {launched.log_file}")
        return launched

    def follow(self, run_id: int) -> None:
        """Attach the plots to a run recorded in the store (normally a running background run)."""
        pid, _ = run_process(self.db_path(), run_id)
        self._attach(RunFollower(self.db_path(), run_id=run_id, parent=self))
        self.run_id, self.pid, self._launcher_pid = run_id, pid, None
        self._status(f"Following background run {run_id} (pid {pid})")

    def stop(self) -> None:
        """Ask the followed run to stop after its current batch (SIGTERM to its process group)."""
        if not self.stoppable:
            return
        pid = self._launcher_pid  # the session leader of a run this window started: its whole tree
        if pid is None and self.run_id is not None:
            pid = run_process(self.db_path(), self.run_id)[0] or self.pid
        if pid and stop_process(pid):
            self._stopping = True
            self._window.progress.show_stopping()
        emit(self.changed)

    def shutdown(self) -> None:
        """Stop following (the run itself goes on)."""
        self._detach()

    def _attach(self, follower: RunFollower) -> None:
        self._detach()
        w = self._window
        w.plots.clear()
        w.history = []
        w.progress.reset()
        w.tabs.setCurrentIndex(0)
        self.follower = follower
        self.last_status = ""
        self._stopping = False
        follower.found.connect(self._on_found)
        follower.progress.connect(self._on_progress)
        follower.ended.connect(self._on_ended)
        follower.failed.connect(self._on_failed)
        follower.start()
        emit(self.changed)

    def _detach(self) -> None:
        if self.follower is not None:
            self.follower.shutdown()
            for sig in (self.follower.found, self.follower.progress, self.follower.ended, self.follower.failed):
                with contextlib.suppress(RuntimeError, TypeError):
                    sig.disconnect()
            self.follower.deleteLater()
            self.follower = None

    def _status(self, text: str) -> None:
        self._window.progress.status_label.setText(text)
        self._window.statusBar().showMessage(text)

    def _on_found(self, run_id: int) -> None:
        self.run_id = run_id
        self._window.runs_panel.last_run_id = run_id
        self._window.runs_panel.refresh()
        self._status(f"Background run {run_id} (pid {self.pid}) is running")

    def _on_progress(self, p: Progress) -> None:
        w = self._window
        if p.pid:
            self.pid = p.pid
        w.progress._epochs = max(p.run.epochs_planned, 1)
        for e, b, n, loss in p.batches:
            event = BatchEnd(e, b, n, loss, 0.0, 0.0, 0.0)
            w.plots.add_batch(event)
            w.progress.show_batch(event)
        for ep in p.epochs:
            w.history.append(ep)
            w.plots.add_epoch(ep)
            w.progress.show_epoch(ep)
            w.runs_panel.refresh()
        w.plots.flush()
        if p.run.status == "running" and not self._stopping:
            self._status(f"Background run {p.run.id} (pid {self.pid}) · epoch {p.run.epochs_done}/"
                         f"{p.run.epochs_planned}")

    def _on_ended(self, status: str) -> None:
        self.last_status = status
        self._window.progress.show_finished(status, "")
        self._window.statusBar().showMessage(f"Background run {self.run_id} {status}")
        self._detach()
        self._window.runs_panel.refresh()
        emit(self.changed)

    def _on_failed(self, message: str) -> None:
        self.last_status = "failed"
        self._window.progress.show_finished("failed", message)
        self._window.banner.show_error(message)
        self._detach()
        emit(self.changed)
