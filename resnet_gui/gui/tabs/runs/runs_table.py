"""The run history behind the Runs tab: a table model of runs and the thread that reads the store.

Every database read and write happens in ``RunsStoreThread``'s own QThread (the store module
imports torch, and a slow disk must never stall the window); results come back as signals
carrying plain ``RunRecord`` and ``EpochEnd`` dataclasses.
"""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThread,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor

from ....settings.config import RunConfig
from ....training.events import EpochEnd
from ..training.progress_panel import format_duration
from ...qt_compat import emit

SORT_ROLE = Qt.ItemDataRole.UserRole
RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Name", "Date", "Model", "LR", "Batch", "Epochs", "Optimizer", "Best test acc", "Duration", "Status")
NAME_COLUMN = 0
STATUS_COLORS = {"running": QColor(31, 119, 180), "finished": QColor(44, 130, 44), "stopped": QColor(190, 120, 0),
                 "failed": QColor(200, 40, 40), "crashed": QColor(200, 40, 40)}
Index = QModelIndex | QPersistentModelIndex


def describe_model(cfg: RunConfig) -> str:
    """"2,2,2,2 · 64 ch · basic" (with the block style when it is not the seed's)."""
    m = cfg.model
    text = f"{','.join(str(b) for b in m.blocks)} · {m.channels} ch · {m.block}"
    return text if m.block_style == "d2l" else f"{text} ({m.block_style})"


def run_duration(run: Any, now: float | None = None) -> float:
    """Seconds the run took, or has taken so far while it runs."""
    end = run.ended_at if run.ended_at is not None else (now or time.time())
    return max(0.0, end - run.created_at)


class RunsTableModel(QAbstractTableModel):
    """One row per run (RunRecord); the name is editable and edits come out as ``rename_requested``."""

    rename_requested = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: list[Any] = []

    @property
    def runs(self) -> list[Any]:
        """The RunRecords shown, in model (not view) order."""
        return list(self._runs)

    def run_at(self, row: int) -> Any:
        """The RunRecord of a model row."""
        return self._runs[row]

    def row_of(self, run_id: int) -> int:
        """The model row of a run id, or -1."""
        return next((i for i, r in enumerate(self._runs) if r.id == run_id), -1)

    def update_run(self, run_id: int, **changes: Any) -> None:
        """Change fields of a shown run (e.g. notes) without reading the store again."""
        row = self.row_of(run_id)
        if row >= 0:
            self._runs[row] = replace(self._runs[row], **changes)
            emit(self.dataChanged, self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def set_runs(self, runs: list[Any]) -> bool:
        """Show ``runs``; returns True when rows were added or removed (selections must be restored)."""
        if [r.id for r in runs] == [r.id for r in self._runs]:
            self._runs = list(runs)
            if runs:
                emit(self.dataChanged, self.index(0, 0), self.index(len(runs) - 1, len(COLUMNS) - 1))
            return False
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()
        return True

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt override
        """Runs shown."""
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt override
        """The fixed columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Every cell selectable; the name editable."""
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == NAME_COLUMN else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Display text, raw sort keys, status colours and tooltips."""
        if not index.isValid():
            return None
        run, col = self._runs[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(run, col)
        if role == SORT_ROLE:
            return self._sort_key(run, col)
        if role == RUN_ID_ROLE:
            return run.id
        if role == Qt.ItemDataRole.ForegroundRole and col == len(COLUMNS) - 1:
            return STATUS_COLORS.get(run.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == len(COLUMNS) - 1 and run.error:
                return run.error
            if col == NAME_COLUMN:
                return f"Run {run.id}" + (f"\n{run.notes}" if run.notes else "") + "\nDouble-click to rename"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (3, 4, 5, 7, 8):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        """Renaming: the new name shows at once and ``rename_requested`` asks the store to keep it."""
        if role != Qt.ItemDataRole.EditRole or index.column() != NAME_COLUMN:
            return False
        name = str(value).strip()
        run = self._runs[index.row()]
        if not name or name == run.name:
            return False
        self._runs[index.row()] = replace(run, name=name)
        emit(self.dataChanged, index, index)
        emit(self.rename_requested, run.id, name)
        return True

    @staticmethod
    def _text(run: Any, col: int) -> str:
        t = run.config.train
        if col == 0:
            return run.name
        if col == 1:
            return time.strftime("%Y-%m-%d %H:%M", time.localtime(run.created_at))
        if col == 2:
            return describe_model(run.config)
        if col == 3:
            return f"{t.lr:g}"
        if col == 4:
            return str(t.batch_size)
        if col == 5:
            return f"{run.epochs_done}/{run.epochs_planned}"
        if col == 6:
            return t.optimizer
        if col == 7:
            return "—" if run.best_test_acc is None else f"{run.best_test_acc:.3f}"
        if col == 8:
            return format_duration(run_duration(run))
        return run.status

    @staticmethod
    def _sort_key(run: Any, col: int) -> Any:
        t = run.config.train
        keys: tuple[Any, ...] = (run.name.lower(), run.created_at, describe_model(run.config), t.lr, t.batch_size,
                                 run.epochs_done, t.optimizer,
                                 -1.0 if run.best_test_acc is None else run.best_test_acc,
                                 run_duration(run), run.status)
        return keys[col]


@dataclass(frozen=True)
class RunDetails:
    """What the compare view needs for the selected runs: their epochs and differing settings."""

    run_ids: tuple[int, ...]
    epochs: dict[int, list[EpochEnd]]
    differences: dict[str, list[Any]]


class _StoreJob(QObject):
    """Lives in the store thread; each slot opens the store, does one thing and reports."""

    listed = Signal(int, str, object)
    details_loaded = Signal(int, object)
    changed = Signal()
    failed = Signal(str)

    def __init__(self, db_path: str | None) -> None:
        super().__init__()
        self._db_path = db_path
        self._store: Any = None

    def _open(self) -> Any:
        if self._store is None:
            from ...worker import open_run_store

            self._store = open_run_store(self._db_path)
        return self._store

    def _report(self, action: str, exc: Exception) -> None:
        traceback.print_exc(file=sys.stderr)
        emit(self.failed, f"Could not {action}: {type(exc).__name__}: {exc}")

    @Slot(int)
    def list_runs(self, request_id: int) -> None:
        try:
            store = self._open()
            runs = store.list()
        except Exception as exc:  # noqa: BLE001 - a broken database is shown, not raised
            self._report("read the run history", exc)
            return
        emit(self.listed, request_id, str(store.path), runs)

    @Slot(int, object)
    def load_details(self, request_id: int, runs: list[tuple[int, RunConfig]]) -> None:
        try:
            from ....runs.store import config_differences

            store = self._open()
            epochs = {run_id: store.epochs(run_id) for run_id, _ in runs}
            diffs = config_differences([cfg for _, cfg in runs]) if len(runs) > 1 else {}
        except Exception as exc:  # noqa: BLE001
            self._report("read the runs' metrics", exc)
            return
        emit(self.details_loaded, request_id, RunDetails(tuple(i for i, _ in runs), epochs, diffs))

    @Slot(int, str)
    def rename(self, run_id: int, name: str) -> None:
        self._write("rename the run", lambda store: store.rename(run_id, name))

    @Slot(int, str)
    def set_notes(self, run_id: int, notes: str) -> None:
        self._write("save the notes", lambda store: store.set_notes(run_id, notes))

    @Slot(object)
    def delete(self, run_ids: list[int]) -> None:
        def delete_all(store: Any) -> None:
            for run_id in run_ids:
                store.delete(run_id)

        self._write("delete the runs", delete_all)

    def _write(self, action: str, change: Any) -> None:
        try:
            change(self._open())
        except Exception as exc:  # noqa: BLE001
            self._report(action, exc)
        emit(self.changed)


class RunsStoreThread(QObject):
    """GUI-side owner of the store thread: ask with the methods, hear back through the signals.

    Requests are handled one at a time in the order made, so a refresh after a delete sees it.
    """

    listed = Signal(int, str, object)
    details_loaded = Signal(int, object)
    changed = Signal()
    failed = Signal(str)
    _list_requested = Signal(int)
    _details_requested = Signal(int, object)
    _rename_requested = Signal(int, str)
    _notes_requested = Signal(int, str)
    _delete_requested = Signal(object)

    def __init__(self, db_path: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("resnet-gui runs")
        self._job = _StoreJob(db_path)
        self._job.moveToThread(self._thread)
        self._list_requested.connect(self._job.list_runs)
        self._details_requested.connect(self._job.load_details)
        self._rename_requested.connect(self._job.rename)
        self._notes_requested.connect(self._job.set_notes)
        self._delete_requested.connect(self._job.delete)
        self._job.listed.connect(self.listed)
        self._job.details_loaded.connect(self.details_loaded)
        self._job.changed.connect(self.changed)
        self._job.failed.connect(self.failed)
        self._shut_down = False

    def _ensure_started(self) -> bool:
        if self._shut_down:
            return False
        if not self._thread.isRunning():
            self._thread.start()
        return True

    def list_runs(self, request_id: int) -> None:
        """Read every run; answered by ``listed(request_id, db_path, runs)``."""
        if self._ensure_started():
            emit(self._list_requested, request_id)

    def load_details(self, request_id: int, runs: list[tuple[int, RunConfig]]) -> None:
        """Read the epochs of ``runs`` and their differing settings; answered by ``details_loaded``."""
        if self._ensure_started():
            emit(self._details_requested, request_id, runs)

    def rename(self, run_id: int, name: str) -> None:
        """Rename a run; ``changed`` follows."""
        if self._ensure_started():
            emit(self._rename_requested, run_id, name)

    def set_notes(self, run_id: int, notes: str) -> None:
        """Replace a run's notes; ``changed`` follows."""
        if self._ensure_started():
            emit(self._notes_requested, run_id, notes)

    def delete(self, run_ids: list[int]) -> None:
        """Delete runs with their checkpoints; ``changed`` follows."""
        if self._ensure_started():
            emit(self._delete_requested, list(run_ids))

    def shutdown(self) -> None:
        """Finish the queued requests, then stop the thread and wait for it."""
        if self._shut_down:
            return
        self._shut_down = True
        self._thread.quit()
        self._thread.wait()
