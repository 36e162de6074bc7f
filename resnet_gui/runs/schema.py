"""The run history's tables and their migrations, and what a database that cannot be used says."""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import fields
from pathlib import Path

from ..errors import UserError
from ..training.checkpoint import BEST, LAST
from ..training.events import EpochEnd


class RunStoreError(UserError):
    """The run history cannot be used: unreadable, a folder, not writable, or from a newer version."""


MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        created_at REAL NOT NULL,
        ended_at REAL,
        status TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT '',
        config TEXT NOT NULL,
        seed INTEGER,
        versions TEXT NOT NULL DEFAULT '{}',
        device TEXT NOT NULL DEFAULT '',
        precision TEXT NOT NULL DEFAULT '',
        params INTEGER,
        epochs_planned INTEGER NOT NULL,
        epochs_done INTEGER NOT NULL DEFAULT 0,
        best_test_acc REAL,
        checkpoint_dir TEXT NOT NULL DEFAULT '',
        last_checkpoint TEXT NOT NULL DEFAULT '',
        best_checkpoint TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        pid INTEGER,
        host TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        loss REAL, train_acc REAL, test_acc REAL, seconds REAL, images_per_s REAL, lr REAL,
        PRIMARY KEY (run_id, epoch)
    );
    CREATE TABLE batches (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        batch INTEGER NOT NULL,
        batches INTEGER NOT NULL,
        loss REAL,
        PRIMARY KEY (run_id, epoch, batch)
    );
    """,
    # Each run gets a checkpoint folder no other run can share (two databases in one folder, or a
    # database recreated, used to reuse "run-1"); ``_adopt_legacy_folders`` moves the old ones.
    "ALTER TABLE runs ADD COLUMN uid TEXT NOT NULL DEFAULT ''",
    # Tags for filtering the comparison, the duration estimated before the run, the test loss and
    # the machine's load per epoch.
    """
    ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN estimated_s REAL;
    ALTER TABLE epochs ADD COLUMN test_loss REAL;
    ALTER TABLE epochs ADD COLUMN cpu_percent REAL;
    ALTER TABLE epochs ADD COLUMN ram_bytes REAL;
    ALTER TABLE epochs ADD COLUMN gpu_percent REAL;
    ALTER TABLE epochs ADD COLUMN gpu_bytes REAL
    """,
    # The images of an image folder its exclude list left out of the run (JSON list of relative paths).
    "ALTER TABLE runs ADD COLUMN excluded TEXT NOT NULL DEFAULT '[]'",
    # A run's colour chosen by the user ('' : the palette's for its id); the experiment and trial a
    # run belongs to; changes asked of a running run (learning rate, epochs, stop after the epoch),
    # written by whoever asks and marked with the epoch and batch where the run applied them.
    """
    ALTER TABLE runs ADD COLUMN color TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN experiment TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN trial INTEGER;
    CREATE TABLE changes (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        setting TEXT NOT NULL,
        value REAL NOT NULL,
        asked_at REAL NOT NULL,
        epoch INTEGER,
        batch INTEGER,
        PRIMARY KEY (run_id, seq)
    )
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
EPOCH_COLUMNS = tuple(f.name for f in fields(EpochEnd))  # the epochs table holds every EpochEnd field
LEGACY_SLACK_S = 120  # a legacy folder belongs to a run when its files were written during that run


def checkpoint_root(db_path: Path) -> Path:
    """Where run checkpoints go: a ``checkpoints`` folder beside the database."""
    return db_path.parent / "checkpoints"


def migrate(path: Path) -> None:
    """Create or bring the database at ``path`` up to ``SCHEMA_VERSION`` (one process at a time)."""
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        # One writer migrates; others opening the same new file wait here, then see its version.
        db.execute("BEGIN IMMEDIATE")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.execute("ROLLBACK")
            raise RunStoreError(
                f"{path} was written by a newer resnet-gui (schema {version}, this one "
                f"reads up to {SCHEMA_VERSION}): upgrade resnet-gui, or use another file."
            )
        for i in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[i].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {i + 1}")
        if version < 2 <= SCHEMA_VERSION:
            _adopt_legacy_folders(db, checkpoint_root(path))
        db.execute("COMMIT")
    finally:
        db.close()


def _adopt_legacy_folders(db: sqlite3.Connection, root: Path) -> None:
    """Give each old run a uid and a folder of its own: its old ``run-N`` folder when the files in it
    were written during this run (else another database's run wrote them, and they are not its)."""
    for run_id, created, ended, folder in db.execute(
        "SELECT id, created_at, ended_at, checkpoint_dir FROM runs"
    ).fetchall():
        uid = uuid.uuid4().hex[:12]
        old, new = Path(folder or ""), root / f"run-{run_id}-{uid}"
        values: dict[str, str] = {"uid": uid, "checkpoint_dir": str(new)}
        files = list(old.glob("*.pt")) if folder and old.is_dir() else []
        if files:
            end = (ended or time.time()) + LEGACY_SLACK_S
            if all(created - LEGACY_SLACK_S <= f.stat().st_mtime <= end for f in files):
                old.rename(new)
                names = (("last_checkpoint", LAST), ("best_checkpoint", BEST))
                values.update({k: str(new / name) for k, name in names if (new / name).is_file()})
            else:
                values.update(last_checkpoint="", best_checkpoint="")
        columns = ", ".join(f"{k} = ?" for k in values)
        db.execute(f"UPDATE runs SET {columns} WHERE id = ?", (*values.values(), run_id))


def explain(path: Path, err: sqlite3.DatabaseError) -> str:
    """A database error in words a user can act on."""
    text = str(err)
    if "not a database" in text or "malformed" in text:
        return (
            f"The run history {path} is damaged or not a resnet-gui database ({text}). Move it aside to "
            "start a new one, or choose another file with --runs-db or RESNET_GUI_RUNS."
        )
    if "readonly" in text or "unable to open" in text:
        return (
            f"Cannot write the run history {path} ({text}): check its folder's permissions, or choose "
            "another file with --runs-db or RESNET_GUI_RUNS."
        )
    return f"The run history {path} cannot be used ({text})."
