"""The job that follows a run recorded by another process (a background run, the CLI): polls the run history."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path

from ...errors import UserError
from ...runs.follow import RunWatcher
from ...runs.processes import process_alive
from ...runs.status import RunStatus
from ...runs.store import RunStore
from ..jobs import JobContext

POLL_INTERVAL_S = 1.0
RUN_APPEAR_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class FollowedRun:
    """A poll's news: the run's id and process, then its events."""

    run_id: int
    pid: int | None
    name: str
    events: list


def follow_run(
    ctx: JobContext,
    db_path: Path,
    run_id: int | None = None,
    name: str = "",
    launcher_pid: int | None = None,
    interval_s: float = POLL_INTERVAL_S,
    since: float = 0.0,
) -> RunStatus:
    """Poll run ``run_id`` (or the newest run called ``name`` created at ``since`` or later, once it
    appears) until it ends or ``ctx.stop``; returns how it ended (the run itself goes on when only
    the following stops). Names repeat (they say what a run is), hence ``since``."""
    store = RunStore(db_path)
    started = time.monotonic()
    while run_id is None:
        run_id = store.find(name, since)
        if run_id is not None:
            break
        if (launcher_pid and not process_alive(launcher_pid)) or time.monotonic() - started > RUN_APPEAR_TIMEOUT_S:
            raise UserError("The background run ended before it was recorded; see its log.")
        if ctx.stop.wait(min(interval_s, 0.3)):
            return RunStatus.RUNNING
    watcher = RunWatcher(store, run_id)
    while True:
        run, events = watcher.poll()
        ctx.progress(FollowedRun(run_id, run.pid, run.name, events))
        if run.status != RunStatus.RUNNING:
            return run.status
        if ctx.stop.wait(interval_s):
            return RunStatus.RUNNING


def running_here(_ctx: JobContext, db_path: Path) -> int | None:
    """The newest run that a live process on this machine is training (the window was reopened while a
    background or command-line run went on), else None. Runs of other machines are left alone: their
    process cannot be checked, so a "running" row may be one that died."""
    here = socket.gethostname()
    runs = RunStore(db_path).list()  # newest first; a dead process's run already reads "crashed"
    return next((r.id for r in runs if r.status == RunStatus.RUNNING and r.host == here), None)
