"""The run history behind the Runs tab: a table model of runs (``RunRecord`` dataclasses)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from ....settings.config import RunConfig
from ....training.events import EpochEnd
from ...qt_compat import emit
from ...widgets.palette import status_color
from ..training.progress_panel import format_duration

SORT_ROLE = Qt.ItemDataRole.UserRole
RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Name", "Date", "Model", "LR", "Batch", "Epochs", "Optimizer", "Best test acc", "Duration", "Status")
NAME_COLUMN = 0
Index = QModelIndex | QPersistentModelIndex


def describe_model(cfg: RunConfig) -> str:
    """ "2,2,2,2 · 64 ch · basic" (with the block style when it is not the seed's)."""
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

    def headerData(  # noqa: N802 - Qt override
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
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
            rgb = status_color(run.status)
            return QColor(*rgb) if rgb else None
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
        keys: tuple[Any, ...] = (
            run.name.lower(),
            run.created_at,
            describe_model(run.config),
            t.lr,
            t.batch_size,
            run.epochs_done,
            t.optimizer,
            -1.0 if run.best_test_acc is None else run.best_test_acc,
            run_duration(run),
            run.status,
        )
        return keys[col]


@dataclass(frozen=True)
class RunDetails:
    """What the compare view needs for the selected runs: their epochs and differing settings."""

    run_ids: tuple[int, ...]
    epochs: dict[int, list[EpochEnd]]
    differences: dict[str, list[Any]]


def list_runs(store: Any) -> tuple[str, list[Any]]:
    """(the database's path, every run) for the table."""
    return str(store.path), store.list()


def load_details(store: Any, runs: list[tuple[int, RunConfig]]) -> RunDetails:
    """The epochs of ``runs`` and the settings that differ between them."""
    from ....settings.config import config_differences

    epochs = {run_id: store.epochs(run_id) for run_id, _ in runs}
    diffs = config_differences([cfg for _, cfg in runs]) if len(runs) > 1 else {}
    return RunDetails(tuple(i for i, _ in runs), epochs, diffs)
