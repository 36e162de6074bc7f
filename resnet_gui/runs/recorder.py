"""Recording a run's events in the run history, as an engine callback.

Another process may hold the database for a moment (a window reading it, another run writing).
The recorder then keeps the events and writes them with the next ones: a busy database slows
nothing and never ends a training run, and the record catches up. Only at the run's end does it
wait longer, and if the database stays unusable it says so with a RunStoreError.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ..training.checkpoint import BEST, LAST
from ..training.events import BatchEnd, EpochEnd, Event, RunEnd, RunStarted, Steered
from .changes import mark_applied
from .schema import EPOCH_COLUMNS, RunStoreError
from .status import RunStatus

if TYPE_CHECKING:
    from .store import RunStore

BUSY_TIMEOUT_S = 0.5  # per write during the run: a busy database holds training up at most this long
END_TIMEOUT_S = 30.0  # at the end: the record must be complete


class RunRecorder:
    """Writes a run's events to the store; ``behind`` while some wait for a busy database."""

    def __init__(self, store: RunStore, run_id: int) -> None:
        self.store, self.run_id = store, run_id
        self._pending: list[Event] = []

    @property
    def behind(self) -> int:
        """Events not yet written."""
        return len(self._pending)

    def __call__(self, event: Event) -> None:
        if not isinstance(event, (RunStarted, BatchEnd, Steered, EpochEnd, RunEnd)):
            return
        self._pending.append(event)
        end = isinstance(event, RunEnd)
        deadline = time.monotonic() + (END_TIMEOUT_S if end else 0.0)
        while True:
            try:
                self._flush()
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                if time.monotonic() >= deadline:
                    if end:
                        raise RunStoreError(
                            f"The run history {self.store.path} stayed locked by another process; "
                            f"{self.behind} of run {self.run_id}'s events are not recorded."
                        ) from None
                    return  # written with the next event
                time.sleep(0.2)

    def _flush(self) -> None:
        """Write every pending event in one transaction (all or none, so a retry writes them again)."""
        with self.store._connect(timeout=BUSY_TIMEOUT_S) as db:
            for event in self._pending:
                self._write(db, event)
        self._pending.clear()

    def _write(self, db: sqlite3.Connection, event: Event) -> None:
        if isinstance(event, RunStarted):
            db.execute(
                "UPDATE runs SET device = ?, precision = ?, params = ?, excluded = ? WHERE id = ?",
                (event.device, event.precision, event.params, json.dumps(list(event.excluded)), self.run_id),
            )
        elif isinstance(event, BatchEnd):
            db.execute(
                "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?)",
                (self.run_id, event.epoch, event.batch, event.batches, event.loss),
            )
        elif isinstance(event, Steered):
            mark_applied(db, self.run_id, event.seq, event.value, event.epoch, event.batch)
            if event.setting == "epochs":
                db.execute("UPDATE runs SET epochs_planned = ? WHERE id = ?", (int(event.value), self.run_id))
        elif isinstance(event, EpochEnd):
            d = asdict(event)
            db.execute(
                f"INSERT OR REPLACE INTO epochs (run_id, {', '.join(EPOCH_COLUMNS)}) "
                f"VALUES (?{', ?' * len(EPOCH_COLUMNS)})",
                (self.run_id, *(d[c] for c in EPOCH_COLUMNS)),
            )
            db.execute(
                "UPDATE runs SET epochs_done = (SELECT COUNT(*) FROM epochs WHERE run_id = ?), "
                "best_test_acc = (SELECT MAX(test_acc) FROM epochs WHERE run_id = ?) WHERE id = ?",
                (self.run_id, self.run_id, self.run_id),
            )
            self._write_checkpoints(db)
        elif isinstance(event, RunEnd):
            self._write_checkpoints(db)
            # Early stopping's message says why the run ended well: not an error (runs show says it).
            error = "" if event.status == RunStatus.FINISHED_EARLY else event.message
            db.execute(
                "UPDATE runs SET status = ?, error = ?, ended_at = ? WHERE id = ?",
                (str(event.status), error, time.time(), self.run_id),
            )

    def _write_checkpoints(self, db: sqlite3.Connection) -> None:
        """Point the record at the checkpoint files the engine has written so far."""
        (folder,) = db.execute("SELECT checkpoint_dir FROM runs WHERE id = ?", (self.run_id,)).fetchone()
        for column, name in (("last_checkpoint", LAST), ("best_checkpoint", BEST)):
            path = Path(folder) / name
            if folder and path.is_file():
                db.execute(f"UPDATE runs SET {column} = ? WHERE id = ?", (str(path), self.run_id))
