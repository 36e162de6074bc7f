"""The results table: one row per trial with its varied settings, best test accuracy and its epoch,
duration and state (pruned trials marked), sortable by any column; each trial in its run's colour."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ....runs.status import RunStatus
from ....settings.config import SPECS
from ....settings.fields import format_value
from ....units import say_duration
from ...widgets import palette

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FIXED = ("Trial", "State")
RESULTS = ("Best acc", "Epoch", "Duration", "Run")
STATE_STATUS = {"pruned": RunStatus.PRUNED, "failed": RunStatus.FAILED, "running": RunStatus.RUNNING}
Index = QModelIndex | QPersistentModelIndex


def trial_color(row: Any, colors: dict[int, str]) -> QColor | None:
    """The trial's run colour, the same as on the Runs tab (None before it has a run)."""
    if row.run_id is None:
        return None
    return QColor(*palette.run_color(row.run_id, colors.get(row.run_id, "")))


class TrialsModel(QAbstractTableModel):
    """The followed experiment's trials."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self.keys: list[str] = []
        self.colors: dict[int, str] = {}
        self.best_number: int | None = None
        palette.follow(self._repaint)

    def _repaint(self, _theme: palette.Theme) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, self.columnCount() - 1))

    def show_view(self, view: Any) -> None:
        """Show ``view``'s trials (an ExperimentView), or none for None."""
        self.beginResetModel()
        self.rows = list(view.rows) if view is not None else []
        self.keys = [p.key for p in view.sweep.params] if view is not None else []
        self.colors = dict(view.colors) if view is not None else {}
        best = view.best if view is not None else None
        self.best_number = best.number if best is not None else None
        self.endResetModel()

    def headers(self) -> list[str]:
        """The column titles: trial, state, each varied setting by its label, then the results."""
        return [*FIXED, *(SPECS[k].label for k in self.keys), *RESULTS]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(FIXED) + len(self.keys) + len(RESULTS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            key_at = section - len(FIXED)
            if 0 <= key_at < len(self.keys):
                return self.keys[key_at]
            if self.headers()[section] == "Best acc":
                return "The best test accuracy over the trial's epochs; Epoch says which"
        return None

    def cell(self, row: Any, column: int) -> tuple[str, Any]:
        """(the text shown, the value sorted by) of a cell."""
        key_at = column - len(FIXED)
        if column == 0:
            return str(row.number) + (" ★" if row.number == self.best_number else ""), row.number
        if column == 1:
            return row.state, row.state
        if key_at < len(self.keys):
            value = row.params.get(self.keys[key_at])
            return format_value(value) if value is not None else "–", _sortable(value)
        name = RESULTS[key_at - len(self.keys)]
        if name == "Best acc":
            acc = row.best_test_acc
            return (f"{acc:.4f}" if acc is not None else "–"), -1.0 if acc is None else acc
        if name == "Epoch":
            return (str(row.best_epoch) if row.best_epoch is not None else "–"), row.best_epoch or 0
        if name == "Duration":
            return (say_duration(row.seconds) if row.seconds is not None else "–"), row.seconds or 0.0
        return (str(row.run_id) if row.run_id is not None else "–"), row.run_id or 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, index.column())[0]
        if role == SORT_ROLE:
            return self.cell(row, index.column())[1]
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            return trial_color(row, self.colors)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1 and row.state in STATE_STATUS:
            rgb = palette.status_color(STATE_STATUS[row.state])
            return QColor(*rgb) if rgb is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.message or (f"run {row.run_id} in the run history" if row.run_id is not None else None)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() not in (1,):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _sortable(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        return float(value)
    return format_value(value) if value is not None else ""


class TrialsTable(QTableView):
    """The table, sortable by clicking a header (best accuracy first at first)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trials = TrialsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.trials)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setAlternatingRowColors(True)

    def shown_rows(self) -> list[list[str]]:
        """Every row's cells as shown, in the table's order (what a user reads)."""
        model = self.proxy
        return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]

    def selected_trial(self) -> Any:
        """The selected trial's row, or None."""
        rows = self.selectionModel().selectedRows()
        return self.trials.rows[self.proxy.mapToSource(rows[0]).row()] if rows else None
