"""The run history behind the Runs tab: a table model of runs (``RunRecord`` dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from ....runs.store import split_tags
from ....settings.config import RunConfig
from ....training.events import EpochEnd
from ...qt_compat import emit
from ...widgets.palette import run_color, status_color
from .run_columns import COLUMNS, NAME_COLUMN, STATUS_COLUMN, TAGS_COLUMN, search_text

SORT_ROLE = Qt.ItemDataRole.UserRole
RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2  # the run's searchable text (column 0)
Index = QModelIndex | QPersistentModelIndex
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RunsTableModel(QAbstractTableModel):
    """One row per run (RunRecord); the name and tags are editable, and edits come out as
    ``rename_requested(run_id, name)`` and ``tags_requested(run_id, [tag])``."""

    rename_requested = Signal(int, str)
    tags_requested = Signal(int, object)

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
        """Column titles (and what a short one means)."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].header_tip or None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Every cell selectable; the name and the tags editable."""
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in (NAME_COLUMN, TAGS_COLUMN) else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Display text, raw sort keys, status colours and tooltips."""
        if not index.isValid():
            return None
        run, column = self._runs[index.row()], COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return column.text(run)
        if role == SORT_ROLE:
            return column.sort(run)
        if role == RUN_ID_ROLE:
            return run.id
        if role == SEARCH_ROLE:
            return search_text(run)
        if role == Qt.ItemDataRole.DecorationRole and index.column() == NAME_COLUMN:
            return QColor(*run_color(run.id, run.color))
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == STATUS_COLUMN:
            rgb = status_color(run.status)
            return QColor(*rgb) if rgb else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return (column.tip(run) if column.tip else column.text(run)) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return RIGHT
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        """Renaming and tagging: the edit shows at once, and a signal asks the store to keep it."""
        if role != Qt.ItemDataRole.EditRole or index.column() not in (NAME_COLUMN, TAGS_COLUMN):
            return False
        run = self._runs[index.row()]
        if index.column() == TAGS_COLUMN:
            tags = split_tags(str(value))
            if tags == tuple(run.tags):
                return False
            self._runs[index.row()] = replace(run, tags=tags)
            emit(self.dataChanged, index, index)
            emit(self.tags_requested, run.id, list(tags))
            return True
        name = str(value).strip()
        if not name or name == run.name:
            return False
        self._runs[index.row()] = replace(run, name=name)
        emit(self.dataChanged, index, index)
        emit(self.rename_requested, run.id, name)
        return True


@dataclass(frozen=True)
class RunDetails:
    """What the compare view needs for the selected runs: their epochs and differing settings."""

    run_ids: tuple[int, ...]
    epochs: dict[int, list[EpochEnd]]
    differences: dict[str, list[Any]]
    changes: dict[int, list[Any]] = field(default_factory=dict)  # AskedChange lists: what was asked while it trained


def list_runs(store: Any) -> tuple[str, list[Any]]:
    """(the database's path, every run) for the table."""
    return str(store.path), store.list()


def load_details(store: Any, runs: list[tuple[int, RunConfig]]) -> RunDetails:
    """The epochs of ``runs`` and the settings that differ between them."""
    from ....runs.changes import run_changes
    from ....settings.differences import config_differences

    epochs = {run_id: store.epochs(run_id) for run_id, _ in runs}
    diffs = config_differences([cfg for _, cfg in runs]) if len(runs) > 1 else {}
    changes = {run_id: run_changes(store, run_id) for run_id, _ in runs}
    return RunDetails(tuple(i for i, _ in runs), epochs, diffs, changes)
