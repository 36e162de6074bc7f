"""Changes asked of a running run, through the run history: asked by one process, applied by another.

The asker (the window, ``resnet-gui runs steer``) adds a row to the ``changes`` table; the engine
training the run reads the rows not yet applied (``StoreChanges``, its ``ChangeSource``) before
each batch, and its recorder marks the epoch and batch where each was applied. The same rows list
the changes in the run's details and in its exported settings.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from ..errors import UserError
from ..training.steering import Change, check_change, describe_change
from .status import RunStatus
from .store import RunStore

POLL_EVERY_S = 0.2  # a background run reads its changes at most this often (a batch can take a millisecond)


@dataclass(frozen=True)
class AskedChange:
    """A change as the run history holds it; ``epoch`` and ``batch`` are None until the run applies it."""

    seq: int
    setting: str
    value: float
    asked_at: float
    epoch: int | None = None
    batch: int | None = None

    @property
    def applied(self) -> bool:
        """True once the run has applied it."""
        return self.epoch is not None

    def describe(self) -> str:
        """ "lr ×0.5 at epoch 2, batch 40", or "… asked, not applied"."""
        where = f"at epoch {self.epoch}, batch {self.batch}" if self.applied else "asked, not applied yet"
        return f"{describe_change(self.setting, self.value)} {where}"

    def to_dict(self) -> dict[str, Any]:
        """The fields ``runs show --json`` prints and settings exports record."""
        return {"setting": self.setting, "value": self.value, "epoch": self.epoch, "batch": self.batch}


def ask_change(store: RunStore, run_id: int, setting: str, value: float) -> int:
    """Ask running run ``run_id`` for a change; its sequence number. UserError when it cannot be asked."""
    problem = check_change(setting, value)
    if problem:
        raise UserError(problem)
    try:
        run = store.get(run_id)
    except KeyError:
        raise UserError(f"There is no run {run_id} in {store.path}.") from None
    if run.status != RunStatus.RUNNING:
        raise UserError(f"Run {run_id} is {run.status}, not running: only a running run can be steered.")
    with store._connect() as db:
        (seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM changes WHERE run_id = ?", (run_id,)).fetchone()
        db.execute(
            "INSERT INTO changes (run_id, seq, setting, value, asked_at) VALUES (?, ?, ?, ?, ?)",
            (run_id, seq, setting, float(value), time.time()),
        )
    return int(seq)


def run_changes(store: RunStore, run_id: int) -> list[AskedChange]:
    """Every change asked of the run, in the order asked."""
    with store._connect() as db:
        rows = db.execute(
            "SELECT seq, setting, value, asked_at, epoch, batch FROM changes WHERE run_id = ? ORDER BY seq", (run_id,)
        ).fetchall()
    return [AskedChange(*row) for row in rows]


def mark_applied(db: sqlite3.Connection, run_id: int, seq: int, value: float, epoch: int, batch: int) -> None:
    """Record where the run applied change ``seq`` (and the value applied: epochs are at least the epoch under way)."""
    db.execute(
        "UPDATE changes SET value = ?, epoch = ?, batch = ? WHERE run_id = ? AND seq = ?",
        (value, epoch, batch, run_id, seq),
    )


def unapply_after(db: sqlite3.Connection, run_id: int, epochs_done: int, batch: int) -> None:
    """A resumed run's changes applied after its checkpoint: asked again (applied anew when it goes on);
    a stop asked for after an epoch and not applied before the checkpoint is dropped (that run has ended)."""
    later = "run_id = ? AND (epoch > ? OR (epoch = ? AND batch > ?))"
    params = (run_id, epochs_done + 1, epochs_done + 1, batch)
    db.execute(f"UPDATE changes SET epoch = NULL, batch = NULL WHERE {later}", params)
    db.execute("DELETE FROM changes WHERE run_id = ? AND setting = 'stop_after_epoch' AND epoch IS NULL", (run_id,))


class StoreChanges:
    """The engine's ``ChangeSource`` for run ``run_id``: its unapplied rows, read at most every ``every_s``."""

    def __init__(self, store: RunStore, run_id: int, every_s: float = POLL_EVERY_S) -> None:
        self.store, self.run_id, self.every_s = store, run_id, every_s
        self._last = -float("inf")

    def pending(self) -> list[Change]:
        """The changes not yet applied (none when the database is busy: they are read at a later batch)."""
        now = time.monotonic()
        if now - self._last < self.every_s:
            return []
        self._last = now
        try:
            with self.store._connect(timeout=0.1) as db:
                rows = db.execute(
                    "SELECT seq, setting, value FROM changes WHERE run_id = ? AND epoch IS NULL ORDER BY seq",
                    (self.run_id,),
                ).fetchall()
        except sqlite3.OperationalError:
            self._last = -float("inf")  # busy: read again before the next batch
            return []
        return [Change(int(seq), str(setting), float(value)) for seq, setting, value in rows]
