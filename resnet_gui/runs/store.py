"""The run history: every run, its settings, metrics and checkpoints, in a local SQLite database.

WAL mode lets the GUI read while a worker (or another process) writes, and each call opens its
own short-lived connection, so the store is safe to use from any thread. The schema carries a
version (``PRAGMA user_version``) and is migrated forward on open.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import platform
import shutil
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..settings.config import RunConfig
from ..training.events import EpochEnd
from .processes import process_alive
from .schema import EPOCH_COLUMNS, RunStoreError, checkpoint_root, explain, migrate

__all__ = ["RunRecord", "RunStore", "RunStoreError", "default_db_path", "library_versions"]
from .status import RunStatus

if TYPE_CHECKING:
    from .recorder import RunRecorder


def default_db_path() -> Path:
    """env RESNET_GUI_RUNS, else runs.sqlite in the user's data folder."""
    env = os.environ.get("RESNET_GUI_RUNS")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("resnet-gui")) / "runs.sqlite"


@dataclass(frozen=True)
class RunRecord:
    """One row of the runs table, with the derived display status (a dead "running" run is "crashed")."""

    id: int
    name: str
    created_at: float
    ended_at: float | None
    status: RunStatus
    error: str
    config: RunConfig
    device: str
    precision: str
    params: int | None
    epochs_planned: int
    epochs_done: int
    best_test_acc: float | None
    checkpoint_dir: str
    last_checkpoint: str
    best_checkpoint: str
    notes: str
    versions: dict[str, str]
    pid: int | None = None  # the process that last trained it
    host: str = ""
    tags: tuple[str, ...] = ()
    estimated_s: float | None = None  # the duration estimated before the run started
    excluded: tuple[str, ...] = ()  # an image folder's files its exclude list left out of the run
    color: str = ""  # "#rrggbb" the user chose for the run ("": the palette's colour for its id)
    experiment: str = ""  # the experiment (sweep) the run is a trial of ("": none)
    trial: int | None = None  # its trial number in that experiment
    best_epoch: int | None = None  # the (first) epoch of the best test accuracy
    last_test_acc: float | None = None  # the test accuracy of its last scored epoch

    @property
    def trained_checkpoint(self) -> str:
        """The file holding the run's trained model: its best checkpoint, else its last ("" when neither exists)."""
        return next((c for c in (self.best_checkpoint, self.last_checkpoint) if c and Path(c).is_file()), "")

    @property
    def duration_s(self) -> float | None:
        """Seconds from creation to the end (None while running)."""
        return None if self.ended_at is None else self.ended_at - self.created_at

    def summary(self) -> dict[str, Any]:
        """The fields ``resnet-gui runs --json`` prints."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "epochs_done": self.epochs_done,
            "epochs": self.epochs_planned,
            "best_test_acc": self.best_test_acc,
            "best_epoch": self.best_epoch,
            "last_test_acc": self.last_test_acc,
            "checkpoint": self.last_checkpoint or None,
            "created_at": self.created_at,
            "device": self.device,
            "error": self.error or None,
            "tags": list(self.tags),
            "estimated_s": self.estimated_s,
            "excluded": len(self.excluded),
        }


HEX = "0123456789abcdef"
# A run's row with the epoch of its best test accuracy and its last scored epoch's test accuracy
# (epochs a run does not score have none: train.test_every).
SELECT_RUNS = (
    "SELECT runs.*,"
    " (SELECT epoch FROM epochs WHERE run_id = runs.id AND test_acc IS NOT NULL"
    " ORDER BY test_acc DESC, epoch LIMIT 1) AS best_epoch,"
    " (SELECT test_acc FROM epochs WHERE run_id = runs.id AND test_acc IS NOT NULL"
    " ORDER BY epoch DESC LIMIT 1) AS last_test_acc"
    " FROM runs"
)


def split_tags(text: str) -> tuple[str, ...]:
    """``"lr, sweep,lr"`` -> ``("lr", "sweep")``: trimmed, empty ones and repeats dropped, order kept."""
    return tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))


def _saved_config(text: str) -> RunConfig:
    """A run's stored settings; settings this version does not know (a newer one wrote them) are left out."""
    try:
        return RunConfig.from_dict(json.loads(text), strict=False)
    except (ValueError, TypeError):
        return RunConfig()


def _excluded(text: str) -> tuple[str, ...]:
    try:
        paths = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(p) for p in paths) if isinstance(paths, list) else ()


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries a run depends on."""
    import torch
    import torchvision

    from .. import __version__

    return {
        "resnet_gui": __version__,
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "torchvision": str(torchvision.__version__),
    }


class RunStore:
    """The runs database at ``path`` (created and migrated on first use).

    RunStoreError says what is wrong with a database that cannot be used, and what to do.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_db_path()
        if self.path.is_dir():
            raise RunStoreError(
                f"The run history {self.path} is a folder, not a file: point --runs-db (or "
                "RESNET_GUI_RUNS) at a file such as runs.sqlite."
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            migrate(self.path)
        except sqlite3.DatabaseError as e:
            raise RunStoreError(explain(self.path, e)) from None
        except OSError as e:
            raise RunStoreError(
                f"Cannot open the run history {self.path}: {e.strerror or e}. Choose another "
                "file with --runs-db or RESNET_GUI_RUNS."
            ) from None

    @contextlib.contextmanager
    def _connect(self, timeout: float = 10.0) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=timeout)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.row_factory = sqlite3.Row
            with db:
                yield db
        finally:
            db.close()

    @property
    def checkpoint_root(self) -> Path:
        """Where run checkpoints go: a ``checkpoints`` folder beside the database."""
        return checkpoint_root(self.path)

    def create_run(self, cfg: RunConfig, name: str | None = None) -> int:
        """Record a new run as running; returns its id."""
        # Read before the run's clock starts: the first look at torchvision imports it (a second or more).
        versions = json.dumps(library_versions())
        now = time.time()
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO runs (name, created_at, status, config, seed, versions, epochs_planned, pid, host)"
                " VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)",
                (
                    name or "",
                    now,
                    json.dumps(cfg.to_dict()),
                    cfg.train.seed,
                    versions,
                    cfg.train.epochs,
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
            assert cur.lastrowid is not None
            run_id = cur.lastrowid
            uid = uuid.uuid4().hex[:12]
            ckpt_dir = self.checkpoint_root / f"run-{run_id}-{uid}"
            db.execute(
                "UPDATE runs SET name = ?, checkpoint_dir = ?, uid = ? WHERE id = ?",
                (name or f"run {run_id}", str(ckpt_dir), uid, run_id),
            )
        return run_id

    def reopen(self, run_id: int, resume_at: tuple[int, int] | None = None) -> None:
        """Mark a stopped or crashed run as running again in this process (for resume).

        ``resume_at`` is where its checkpoint left off: (epochs done, batches done in the next
        epoch). Metrics recorded after that point (a crash comes after the last checkpoint) are
        dropped, since the resumed run trains and records those batches again; changes applied
        after it are applied again.
        """
        from .changes import unapply_after

        with self._connect() as db:
            db.execute(
                "UPDATE runs SET status = 'running', error = '', ended_at = NULL, pid = ?, host = ? WHERE id = ?",
                (os.getpid(), socket.gethostname(), run_id),
            )
            if resume_at is not None:
                epochs_done, batch = resume_at
                db.execute(
                    "DELETE FROM batches WHERE run_id = ? AND (epoch > ? OR (epoch = ? AND batch > ?))",
                    (run_id, epochs_done + 1, epochs_done + 1, batch),
                )
                db.execute("DELETE FROM epochs WHERE run_id = ? AND epoch > ?", (run_id, epochs_done))
                unapply_after(db, run_id, epochs_done, batch)

    def recorder(self, run_id: int) -> RunRecorder:
        """A training callback that writes this run's events."""
        from .recorder import RunRecorder

        return RunRecorder(self, run_id)

    def _update(self, run_id: int, **values: Any) -> None:
        cols = ", ".join(f"{k} = ?" for k in values)
        with self._connect() as db:
            db.execute(f"UPDATE runs SET {cols} WHERE id = ?", (*values.values(), run_id))

    def finish(self, run_id: int, status: RunStatus, error: str = "") -> None:
        """Record how a run ended: finished, stopped or failed (with the error)."""
        self._update(run_id, status=status, error=error, ended_at=time.time())

    def set_checkpoints(self, run_id: int, last: str | None, best: str | None) -> None:
        """Remember the run's latest and best checkpoint files."""
        values = {k: v for k, v in (("last_checkpoint", last), ("best_checkpoint", best)) if v}
        if values:
            self._update(run_id, **values)

    def rename(self, run_id: int, name: str) -> None:
        """Give a run a new name."""
        self._update(run_id, name=name)

    def set_tags(self, run_id: int, tags: Iterable[str]) -> None:
        """Replace the run's tags (stored comma-separated, trimmed, without duplicates)."""
        self._update(run_id, tags=",".join(split_tags(",".join(tags))))

    def set_color(self, run_id: int, color: str) -> None:
        """Give the run its own colour ("#rrggbb"), or "" for the palette's."""
        if color and not (len(color) == 7 and color.startswith("#") and all(c in HEX for c in color[1:].lower())):
            raise ValueError(f"a run colour is #rrggbb, not {color!r}")
        self._update(run_id, color=color.lower())

    def set_trial(self, run_id: int, experiment: str, trial: int | None) -> None:
        """Mark the run as trial ``trial`` of the experiment (sweep) ``experiment``."""
        self._update(run_id, experiment=experiment, trial=trial)

    def experiment_runs(self, experiment: str) -> builtins.list[RunRecord]:
        """The runs of the experiment ``experiment``, by trial number."""
        with self._connect() as db:
            rows = db.execute(f"{SELECT_RUNS} WHERE experiment = ? ORDER BY trial, id", (experiment,)).fetchall()
        return [self._record(r) for r in rows]

    def set_estimate(self, run_id: int, seconds: float | None) -> None:
        """Store the duration estimated for the run before it started."""
        self._update(run_id, estimated_s=seconds)

    def set_notes(self, run_id: int, notes: str) -> None:
        """Replace a run's notes."""
        self._update(run_id, notes=notes)

    def delete(self, run_id: int) -> None:
        """Delete a run, its metrics and its checkpoint folder."""
        run = self.get(run_id)
        with self._connect() as db:
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        if run.checkpoint_dir:
            shutil.rmtree(run.checkpoint_dir, ignore_errors=True)

    def _record(self, row: sqlite3.Row) -> RunRecord:
        status = RunStatus(row["status"]) if row["status"] in set(RunStatus) else RunStatus.FAILED
        if status == RunStatus.RUNNING and row["host"] == socket.gethostname() and not process_alive(row["pid"]):
            status = RunStatus.CRASHED
        return RunRecord(
            row["id"],
            row["name"],
            row["created_at"],
            row["ended_at"],
            status,
            row["error"],
            _saved_config(row["config"]),
            row["device"],
            row["precision"],
            row["params"],
            row["epochs_planned"],
            row["epochs_done"],
            row["best_test_acc"],
            row["checkpoint_dir"],
            row["last_checkpoint"],
            row["best_checkpoint"],
            row["notes"],
            json.loads(row["versions"]),
            row["pid"],
            row["host"],
            split_tags(row["tags"]),
            row["estimated_s"],
            _excluded(row["excluded"]),
            row["color"],
            row["experiment"],
            row["trial"],
            row["best_epoch"],
            row["last_test_acc"],
        )

    def find(self, name: str, since: float = 0.0) -> int | None:
        """The id of the newest run called ``name`` created at ``since`` or later (None when there is none yet)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id FROM runs WHERE name = ? AND created_at >= ? ORDER BY id DESC LIMIT 1", (name, since)
            ).fetchone()
        return int(row[0]) if row else None

    def list(self) -> list[RunRecord]:
        """All runs, newest first."""
        with self._connect() as db:
            rows = db.execute(f"{SELECT_RUNS} ORDER BY id DESC").fetchall()
        return [self._record(r) for r in rows]

    def get(self, run_id: int) -> RunRecord:
        """One run; KeyError naming the id when there is none."""
        with self._connect() as db:
            row = db.execute(f"{SELECT_RUNS} WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run with id {run_id}")
        return self._record(row)

    def epochs(self, run_id: int) -> builtins.list[EpochEnd]:
        """The run's per-epoch metrics in order."""
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {', '.join(EPOCH_COLUMNS)} FROM epochs WHERE run_id = ? ORDER BY epoch",
                (run_id,),
            ).fetchall()
        return [EpochEnd(*r) for r in rows]

    def batches_after(self, run_id: int, epoch: int, batch: int) -> builtins.list[tuple[int, int, int, float]]:
        """(epoch, batch, batches, loss) rows recorded after (``epoch``, ``batch``), for following a run live."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT epoch, batch, batches, loss FROM batches WHERE run_id = ? AND "
                "(epoch > ? OR (epoch = ? AND batch > ?)) ORDER BY epoch, batch",
                (run_id, epoch, epoch, batch),
            ).fetchall()
        return [(int(e), int(b), int(n), float(loss)) for e, b, n, loss in rows]

    def batch_losses(self, run_id: int) -> builtins.list[tuple[float, float]]:
        """(fractional epoch, loss) points of the run's recorded batch losses."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT epoch, batch, batches, loss FROM batches WHERE run_id = ? ORDER BY epoch, batch", (run_id,)
            ).fetchall()
        return [(e - 1 + b / n, loss) for e, b, n, loss in rows]
