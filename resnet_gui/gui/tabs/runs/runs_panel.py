"""The Runs tab: every recorded run in a sortable table, compared, renamed, annotated, resumed.

The table lists the run store; selecting runs overlays their epoch curves and lists the
settings that differ. Rename (inline), notes (saved as typed), delete (with an inline
confirmation), "Load settings" and "Resume run" act on the selection. All store access goes
through ``RunsStoreThread``; the panel refreshes when a watched run starts, ends an epoch or
finishes, and every few seconds while it runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ....training.events import EpochEnd
from .compare_plots import ComparePlots, DifferencesTable
from ...qt_compat import emit
from .run_notes import RunNotes
from .runs_table import (
    NAME_COLUMN,
    RUN_ID_ROLE,
    SORT_ROLE,
    RunDetails,
    RunsStoreThread,
    RunsTableModel,
)
from ...worker import TENSORBOARD_FOLDER, TrainWorker

LIVE_REFRESH_MS = 2000
RESUMABLE = ("stopped", "crashed")


def _has_model(run: Any) -> bool:
    """Whether the run saved a trained model (it finished at least one epoch)."""
    return bool(run.best_checkpoint or run.last_checkpoint)


def tensorboard_installed() -> bool:
    """True when the tensorboard package can be imported (checked without importing it)."""
    return importlib.util.find_spec("tensorboard") is not None


class RunsPanel(QWidget):
    """The run history: table, actions, notes, comparison plots and differing settings.

    ``load_settings_requested(RunConfig)`` and ``resume_requested(run_id, RunConfig)`` are for
    the window to act on; ``refreshed`` fires each time the table has been filled from the store.
    """

    load_settings_requested = Signal(object)
    resume_requested = Signal(int, object)
    follow_requested = Signal(int)
    inspect_requested = Signal(int, str)  # run id, run name
    refreshed = Signal()
    details_shown = Signal()
    error = Signal(str)

    def __init__(self, db_path: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = RunsStoreThread(db_path, self)
        self._db_path = ""
        self._training = False
        self._loaded = False
        self._list_id = 0
        self._list_in_flight = False
        self._list_pending = False
        self._details_id = 0
        self._details_shown_for: tuple[int, ...] = ()
        self._pending_delete: list[int] = []
        self._watching = False
        self._closed = False
        self.last_run_id: int | None = None

        self.model = RunsTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self._build_table()
        self.rename_button = QPushButton("Rename")
        self.delete_button = QPushButton("Delete…")
        self.load_button = QPushButton("Load settings into the form")
        self.resume_button = QPushButton("Resume run")
        self.follow_button = QPushButton("Follow")
        self.inspect_button = QPushButton("Open in Results")
        self.tensorboard_check = QCheckBox("Log new runs to TensorBoard")
        self.confirm_bar = QFrame()
        self.confirm_label = QLabel()
        self.confirm_delete_button = QPushButton("Delete")
        self.cancel_delete_button = QPushButton("Cancel")
        self.status_label = QLabel("Reading the run history…")
        self.notes_edit = RunNotes()
        self.compare = ComparePlots()
        self.differences = DifferencesTable()
        self._build_layout()

        self._live_timer = QTimer(self)
        self._live_timer.setInterval(LIVE_REFRESH_MS)
        self._live_timer.timeout.connect(self.refresh)
        self._connect()
        self._update_actions()

    # --- construction -------------------------------------------------------------------------

    def _build_table(self) -> None:
        t = self.table
        t.setModel(self.proxy)
        t.setSortingEnabled(True)
        t.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        t.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        t.setAlternatingRowColors(True)
        t.verticalHeader().hide()
        t.verticalHeader().setDefaultSectionSize(22)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((130, 118, 130, 56, 48, 54, 70, 100, 64)):
            t.setColumnWidth(col, width)

    def _build_layout(self) -> None:
        self.status_label.setStyleSheet("color: palette(mid);")
        self.tensorboard_check.setEnabled(tensorboard_installed())
        self.tensorboard_check.setToolTip(
            "Write each new run's loss, accuracies and learning rate for TensorBoard, in a "
            f"'{TENSORBOARD_FOLDER}' folder beside the run history" if tensorboard_installed()
            else "TensorBoard is not installed: pip install tensorboard")
        self.rename_button.setToolTip("Rename the selected run (or double-click its name)")
        self.delete_button.setToolTip("Delete the selected runs with their metrics and checkpoints")
        self.load_button.setToolTip("Put the selected run's settings into the form on the left")
        self.resume_button.setToolTip("Continue a stopped or crashed run from its last checkpoint")
        self.follow_button.setToolTip("Show a running background run's progress live on the Training tab")
        self.inspect_button.setToolTip("Open the selected run's trained model on the Results tab: its confusion "
                                       "matrix on its test set, and use it to classify images and show feature maps")

        self.confirm_bar.setObjectName("confirm-delete")
        self.confirm_bar.setStyleSheet("#confirm-delete { background: #fff4e5; border: 1px solid #f0b35a; "
                                       "border-radius: 4px; }")
        confirm = QHBoxLayout(self.confirm_bar)
        confirm.setContentsMargins(8, 4, 8, 4)
        confirm.addWidget(self.confirm_label, 1)
        confirm.addWidget(self.confirm_delete_button)
        confirm.addWidget(self.cancel_delete_button)
        self.confirm_bar.hide()

        actions = QHBoxLayout()
        for button in (self.rename_button, self.delete_button, self.load_button, self.resume_button,
                       self.follow_button, self.inspect_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.tensorboard_check)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.confirm_bar)
        top_layout.addLayout(actions)

        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self._titled("Settings that differ", self.differences))
        side.addWidget(self._titled("Notes", self.notes_edit))
        side.setSizes([220, 120])
        bottom = QSplitter()
        bottom.addWidget(self.compare)
        bottom.addWidget(side)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        bottom.setSizes([480, 320])

        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(bottom)
        main.setStretchFactor(0, 2)
        main.setStretchFactor(1, 3)
        main.setSizes([260, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(main, 1)
        layout.addWidget(self.status_label)

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        label = QLabel(f"<b>{title}</b>")
        layout.addWidget(label)
        layout.addWidget(widget, 1)
        return box

    def _connect(self) -> None:
        self._store.listed.connect(self._on_listed)
        self._store.details_loaded.connect(self._on_details_loaded)
        self._store.changed.connect(self.refresh)
        self._store.failed.connect(self._on_store_failed)
        self.model.rename_requested.connect(self._store.rename)
        self.model.rename_requested.connect(self._on_renamed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.confirm_delete_button.clicked.connect(self._on_confirm_delete_clicked)
        self.cancel_delete_button.clicked.connect(self.confirm_bar.hide)
        self.load_button.clicked.connect(self._on_load_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.follow_button.clicked.connect(self._on_follow_clicked)
        self.inspect_button.clicked.connect(self._on_inspect_clicked)
        self.notes_edit.save_requested.connect(self._save_notes)

    # --- public API ---------------------------------------------------------------------------

    @property
    def db_path(self) -> str:
        """The run history's file, once it has been read ("" before)."""
        return self._db_path

    @property
    def tensorboard_enabled(self) -> bool:
        """True when new runs should also log to TensorBoard."""
        return self.tensorboard_check.isEnabled() and self.tensorboard_check.isChecked()

    @property
    def busy(self) -> bool:
        """True while a refresh or details read is outstanding."""
        return (self._list_in_flight or self._list_pending
                or self._details_shown_for != tuple(self.selected_run_ids()))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """The first time the tab is shown, read the store."""
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Re-read the run list (coalesced: one read at a time, the latest request wins)."""
        if self._closed:
            return
        if self._list_in_flight:
            self._list_pending = True
            return
        self._list_in_flight, self._list_pending = True, False
        self._list_id += 1
        self._store.list_runs(self._list_id)

    def watch(self, worker: TrainWorker) -> None:
        """Follow a training worker: refresh when it records its run, ends epochs and finishes."""
        worker.run_recorded.connect(self._on_run_recorded)
        worker.epoch_end.connect(self._on_epoch_end)
        worker.finished.connect(self._on_run_finished)

    def set_training(self, training: bool) -> None:
        """While the window trains, loading settings and resuming are off."""
        self._training = training
        self._update_actions()

    def runs(self) -> list[Any]:
        """The RunRecords in the table, in the view's (sorted) order."""
        return [self.model.run_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                for r in range(self.proxy.rowCount())]

    def run(self, run_id: int) -> Any:
        """The RunRecord shown for ``run_id``; KeyError when it is not in the table."""
        row = self.model.row_of(run_id)
        if row < 0:
            raise KeyError(f"run {run_id} is not in the table")
        return self.model.run_at(row)

    def selected_run_ids(self) -> list[int]:
        """The selected runs, in the view's order."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.proxy.index(r, 0).data(RUN_ID_ROLE) for r in rows]

    def select_runs(self, run_ids: list[int]) -> None:
        """Select exactly these runs (those in the table)."""
        selection = QItemSelection()
        for run_id in run_ids:
            row = self.model.row_of(run_id)
            if row >= 0:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                selection.select(index, index)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.selectionModel().select(selection, flags)
        if run_ids and self.model.row_of(run_ids[0]) >= 0:
            index = self.proxy.mapFromSource(self.model.index(self.model.row_of(run_ids[0]), 0))
            self.table.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)

    def export_run_id(self) -> int | None:
        """The run that exports act on: the first selected, else the window's last, else the newest."""
        selected = self.selected_run_ids()
        if selected:
            return selected[0]
        if self.last_run_id is not None:
            return self.last_run_id
        runs = self.model.runs
        return max(r.id for r in runs) if runs else None

    def delete_selected(self, confirm: bool = True) -> None:
        """Delete the selected runs; with ``confirm`` ask first in the inline bar (no modal dialog)."""
        ids = [i for i in self.selected_run_ids() if self.run(i).status != "running"]
        if not ids:
            return
        if confirm:
            what = f"run '{self.run(ids[0]).name}'" if len(ids) == 1 else f"{len(ids)} runs"
            self.confirm_label.setText(f"Delete {what} with its metrics and checkpoints? This cannot be undone."
                                       if len(ids) == 1 else
                                       f"Delete {what} with their metrics and checkpoints? This cannot be undone.")
            self._pending_delete = ids
            self.confirm_bar.show()
            return
        self.confirm_bar.hide()
        self.notes_edit.flush()
        self._store.delete(ids)

    def shutdown(self) -> None:
        """Save pending notes, then stop the store thread and wait for it."""
        self._closed = True
        self._live_timer.stop()
        self.notes_edit.flush()
        self._store.shutdown()

    # --- store answers ------------------------------------------------------------------------

    def _on_listed(self, request_id: int, db_path: str, runs: list[Any]) -> None:
        self._list_in_flight = False
        self._loaded = True
        if self._db_path != db_path:
            self._db_path = db_path
            logdir = Path(db_path).parent / TENSORBOARD_FOLDER
            if self.tensorboard_check.isEnabled():
                self.tensorboard_check.setToolTip(f"Write each new run's scalars for TensorBoard to {logdir}/run-N")
        if self._list_pending:
            self.refresh()
        if self.table.state() == QAbstractItemView.State.EditingState and \
                [r.id for r in runs] != [r.id for r in self.model.runs]:
            self._list_pending = True  # don't pull the row from under the user's edit; try again later
            QTimer.singleShot(LIVE_REFRESH_MS, self.refresh)
            return
        selected = self.selected_run_ids()
        before = self._selection_signature()
        current = self.notes_edit.run_id
        if self.model.set_runs(runs):
            self.select_runs([i for i in selected if self.model.row_of(i) >= 0])
        self._update_status_text()
        self._update_actions()
        self._update_live_timer()
        if selected and self._selection_signature() != before:
            self._request_details(force=True)
        if current is not None and self.model.row_of(current) < 0:
            self.notes_edit.show_run(None)
        emit(self.refreshed)

    def _on_details_loaded(self, request_id: int, details: RunDetails) -> None:
        if request_id != self._details_id:
            return
        names = []
        series: list[tuple[str, list[EpochEnd]]] = []
        for run_id in details.run_ids:
            row = self.model.row_of(run_id)
            name = self.model.run_at(row).name if row >= 0 else f"run {run_id}"
            names.append(name)
            series.append((name, details.epochs.get(run_id, [])))
        self.compare.show_runs(series)
        self.differences.show_differences(names, details.differences)
        self._details_shown_for = details.run_ids
        emit(self.details_shown)

    def _on_store_failed(self, message: str) -> None:
        self._list_in_flight = False
        self.status_label.setText(message)
        emit(self.error, message)

    # --- watched run --------------------------------------------------------------------------

    @Slot(int)
    def _on_run_recorded(self, run_id: int) -> None:
        self.last_run_id = run_id
        self._watching = True
        self._update_live_timer()
        self.refresh()

    @Slot(object)
    def _on_epoch_end(self, _event: EpochEnd) -> None:
        self.refresh()

    @Slot(str, str, bool)
    def _on_run_finished(self, _status: str, _message: str, _offer_sample: bool) -> None:
        self._watching = False
        self.refresh()

    def _update_live_timer(self) -> None:
        """Re-read every few seconds while a run is going on, here or in another process (the CLI)."""
        live = not self._closed and (self._watching or any(r.status == "running" for r in self.model.runs))
        if live and not self._live_timer.isActive():
            self._live_timer.start()
        elif not live:
            self._live_timer.stop()

    # --- user actions -------------------------------------------------------------------------

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.confirm_bar.hide()
        ids = self.selected_run_ids()
        if len(ids) == 1:
            self.notes_edit.show_run(ids[0], self.run(ids[0]).notes)
        else:
            self.notes_edit.show_run(None)
        self._update_actions()
        self._request_details()

    def _selection_signature(self) -> list[tuple[int, str, int, str]]:
        """What the compare view shows of the selection: names, epochs done and status."""
        return [(r.id, r.name, r.epochs_done, r.status) for r in (self.run(i) for i in self.selected_run_ids())]

    def _request_details(self, force: bool = False) -> None:
        ids = self.selected_run_ids()
        if not ids:
            self._details_id += 1
            self.compare.clear()
            self.differences.show_differences([], {})
            self._details_shown_for = ()
            return
        if not force and tuple(ids) == self._details_shown_for:
            return
        self._details_id += 1
        self._store.load_details(self._details_id, [(i, self.run(i).config) for i in ids])

    def _on_renamed(self, run_id: int, _name: str) -> None:
        if run_id in self.selected_run_ids():
            self._request_details(force=True)

    def _on_rename_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1:
            index = self.proxy.mapFromSource(self.model.index(self.model.row_of(ids[0]), NAME_COLUMN))
            self.table.setCurrentIndex(index)
            self.table.edit(index)

    def _on_delete_clicked(self) -> None:
        self.delete_selected(confirm=True)

    def _on_confirm_delete_clicked(self) -> None:
        ids = [i for i in self._pending_delete if self.model.row_of(i) >= 0]
        self.confirm_bar.hide()
        if ids:
            self.notes_edit.flush()
            self._store.delete(ids)

    def _on_load_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1 and not self._training:
            emit(self.load_settings_requested, self.run(ids[0]).config)

    def _on_resume_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1 and self._can_resume(self.run(ids[0])):
            emit(self.resume_requested, ids[0], self.run(ids[0]).config)

    def _on_follow_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1 and not self._training and self.run(ids[0]).status == "running":
            emit(self.follow_requested, ids[0])

    def _on_inspect_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1 and _has_model(self.run(ids[0])):
            emit(self.inspect_requested, ids[0], self.run(ids[0]).name)

    def _can_resume(self, run: Any) -> bool:
        return not self._training and run.status in RESUMABLE and bool(run.last_checkpoint)

    # --- notes --------------------------------------------------------------------------------

    def _save_notes(self, run_id: int, text: str) -> None:
        if self.model.row_of(run_id) < 0:
            return
        self.model.update_run(run_id, notes=text)
        self._store.set_notes(run_id, text)

    # --- state --------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        ids = self.selected_run_ids()
        runs = [self.run(i) for i in ids]
        one = runs[0] if len(runs) == 1 else None
        self.rename_button.setEnabled(one is not None)
        self.delete_button.setEnabled(any(r.status != "running" for r in runs))
        self.load_button.setEnabled(one is not None and not self._training)
        self.resume_button.setEnabled(one is not None and self._can_resume(one))
        self.follow_button.setEnabled(one is not None and not self._training and one.status == "running")
        self.inspect_button.setEnabled(one is not None and _has_model(one))
        if one is not None and one.status in RESUMABLE and not one.last_checkpoint:
            self.resume_button.setToolTip("This run stopped before its first checkpoint; train it again instead")
        else:
            self.resume_button.setToolTip("Continue a stopped or crashed run from its last checkpoint")

    def _update_status_text(self) -> None:
        runs = self.model.runs
        running = sum(r.status == "running" for r in runs)
        text = f"{len(runs)} run{'s' if len(runs) != 1 else ''}"
        if running:
            text += f" · {running} running"
        text += f" · history in {self._db_path}" if self._db_path else ""
        text += " · select several runs to compare them"
        self.status_label.setText(text)
