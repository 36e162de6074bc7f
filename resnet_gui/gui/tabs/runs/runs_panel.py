"""The Runs tab: every recorded run in a sortable table, searched, filtered, compared, renamed, tagged, resumed.

The table lists the run store; the search box and the status and tag filters hide the runs that
do not match; selecting runs overlays their epoch curves and lists the settings that differ.
Rename and tags (inline), notes (saved as typed), delete (with an inline confirmation), "Load
settings" and "Resume run" act on the selection. All store access goes
through ``RunsHistory`` (jobs in the "runs" lane); the panel refreshes when the session's run
starts, ends an epoch or finishes, and every few seconds while any run is going on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QItemSelection,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ....runs.status import RunStatus
from ...jobs import Jobs
from ...qt_compat import emit
from ...session.training_job import TENSORBOARD_FOLDER
from ...widgets.palette import set_tone
from .changes_line import ChangesLine
from .compare_plots import ComparePlots, DifferencesTable
from .ensemble_view import EnsembleDialog
from .live_refresh import LIVE_REFRESH_MS, LiveRefresh
from .mistakes_view import MistakesDialog
from .parts import ConfirmBar, ErrorLine, RunActions, RunsTableView, can_resume, has_model, split_view
from .row_menu import RowMenu
from .run_notes import RunNotes
from .runs_filter import FilterBar, count_line
from .runs_history import RunsHistory
from .runs_table import RunDetails, RunsTableModel

if TYPE_CHECKING:
    from ...session.run_session import RunSession


class RunsPanel(QWidget):
    """The run history: table, actions, notes, comparison plots and differing settings.

    ``load_settings_requested(RunConfig)`` and ``resume_requested(run_id, RunConfig)`` are for
    the window to act on; ``refreshed`` fires each time the table has been filled from the store.
    """

    load_settings_requested = Signal(object)
    resume_requested = Signal(int, object)
    follow_requested = Signal(int)
    inspect_requested = Signal(int, str, int)  # run id, run name, test image to show (-1: none)
    runs_listed = Signal(object)  # [run id] of every run in the history
    colors_listed = Signal(object)  # {run id: "#rrggbb" chosen, or ""} of every run in the history
    selection_changed = Signal(object)  # [run id], in the view's order
    tensorboard_toggled = Signal(bool)
    refreshed = Signal()
    details_shown = Signal()
    error = Signal(str)

    def __init__(self, db_path: str | None = None, jobs: Jobs | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._own_jobs = jobs is None
        self._jobs = jobs if jobs is not None else Jobs(self)
        self._store = RunsHistory(self._jobs, db_path, self)
        self._db_path = ""
        self._training = False
        self._loaded = False
        self._details_shown_for: tuple[int, ...] = ()
        self._pending_delete: list[int] = []
        self._closed = False
        self._live = LiveRefresh(self)

        self.model = RunsTableModel(self)
        self.table = RunsTableView(self.model)
        self.proxy = self.table.proxy
        self.filter_bar = FilterBar()
        self.action_row = actions = RunActions(TENSORBOARD_FOLDER)
        self.rename_button, self.delete_button, self.load_button = actions.rename, actions.delete, actions.load
        self.tags_button = actions.tags
        self.resume_button, self.follow_button, self.inspect_button = actions.resume, actions.follow, actions.inspect
        self.tensorboard_check = actions.tensorboard
        self.mistakes_button, self.mistakes = actions.mistakes, MistakesDialog(self._jobs, self)
        self.ensemble_button, self.ensemble = actions.ensemble, EnsembleDialog(self._jobs, self)
        self.confirm_bar = ConfirmBar()
        self.confirm_label = self.confirm_bar.label
        self.confirm_delete_button = self.confirm_bar.confirm_button
        self.cancel_delete_button = self.confirm_bar.cancel_button
        self.error_line = ErrorLine()
        self.status_label = QLabel("Reading the run history…")
        self.notes_edit = RunNotes()
        self.compare = ComparePlots()
        self.differences = DifferencesTable()
        self.changes_line = ChangesLine()
        set_tone(self.status_label, "muted")
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.filter_bar)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.error_line)
        top_layout.addWidget(self.confirm_bar)
        top_layout.addWidget(actions)
        self.status_label.setWordWrap(True)  # a long history path wraps rather than widening the window
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.mistakes_button)
        bottom.addWidget(self.ensemble_button)
        bottom.addWidget(self.tensorboard_check)
        layout = QVBoxLayout(self)
        layout.addWidget(split_view(top, self.compare, self.differences, self.notes_edit), 1)
        layout.addWidget(self.changes_line)
        layout.addLayout(bottom)

        self.row_menu = RowMenu(self.table, self.table.run_at, self._store, self)
        self._live.refresh_needed.connect(self.refresh)
        self._connect()
        self._update_actions()

    def _connect(self) -> None:
        self.tensorboard_check.toggled.connect(
            lambda on: emit(self.tensorboard_toggled, on and self.tensorboard_check.isEnabled())
        )
        self._store.listed.connect(self._on_listed)
        self._store.details_loaded.connect(self._on_details_loaded)
        self._store.changed.connect(self.refresh)
        self._store.failed.connect(self._on_store_failed)
        self._store.launched.connect(self._on_launched)
        self.model.rename_requested.connect(self._store.rename)
        self.model.rename_requested.connect(self._on_renamed)
        self.model.tags_requested.connect(self._store.set_tags)
        self.filter_bar.changed.connect(self._on_filter_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.tags_button.clicked.connect(self._on_tags_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.confirm_delete_button.clicked.connect(self._on_confirm_delete_clicked)
        self.load_button.clicked.connect(self._on_load_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.follow_button.clicked.connect(self._on_follow_clicked)
        self.inspect_button.clicked.connect(self._on_inspect_clicked)
        self.mistakes_button.clicked.connect(self._on_mistakes_clicked)
        self.mistakes.error.connect(lambda message: emit(self.error, message))
        self.ensemble_button.clicked.connect(
            lambda: self.ensemble.score([self.run(i) for i in self.selected_run_ids()])
        )
        self.ensemble.error.connect(lambda message: emit(self.error, message))
        self.mistakes.view.image_chosen.connect(lambda *run_image: emit(self.inspect_requested, *run_image))
        self.notes_edit.save_requested.connect(self._save_notes)

    # --- public API ---------------------------------------------------------------------------

    @property
    def last_run_id(self) -> int | None:
        """The id of the session's latest run (None before one is recorded)."""
        return self._live.last_run_id

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
        return self._store.busy or self._details_shown_for != tuple(self.selected_run_ids())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """The first time the tab is shown, read the store."""
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Re-read the run list (coalesced: one read at a time, the latest request wins)."""
        if not self._closed:
            self._store.refresh()

    def bind(self, session: RunSession) -> None:
        """Follow ``session``'s run: refresh when it is recorded, ends an epoch and ends; no loading
        settings or resuming while it goes on."""
        self._live.bind(session)
        session.state_changed.connect(lambda _state: self.set_training(session.busy))

    def set_training(self, training: bool) -> None:
        """While the window trains, loading settings and resuming are off."""
        self._training = training
        self._update_actions()

    def runs(self) -> list[Any]:
        """The RunRecords in the table, in the view's (sorted) order."""
        return self.table.runs()

    def run(self, run_id: int) -> Any:
        """The RunRecord shown for ``run_id``; KeyError when it is not in the table."""
        return self.table.run(run_id)

    def selected_run_ids(self) -> list[int]:
        """The selected runs, in the view's order."""
        return self.table.selected_run_ids()

    def select_runs(self, run_ids: list[int]) -> None:
        """Select exactly these runs (those in the table)."""
        self.table.select_runs(run_ids)

    def delete_selected(self, confirm: bool = True) -> None:
        """Delete the selected runs; with ``confirm`` ask first in the inline bar (no modal dialog)."""
        ids = [i for i in self.selected_run_ids() if self.run(i).status != RunStatus.RUNNING]
        if not ids:
            return
        if confirm:
            what = f"run '{self.run(ids[0]).name}'" if len(ids) == 1 else f"{len(ids)} runs"
            its = "its" if len(ids) == 1 else "their"
            self._pending_delete = ids
            self.confirm_bar.ask(f"Delete {what} with {its} metrics and checkpoints? This cannot be undone.")
            return
        self.confirm_bar.hide()
        self.notes_edit.flush()
        self._store.delete(ids)

    def shutdown(self) -> None:
        """Save pending notes, then stop the store thread and wait for it."""
        self._closed = True
        self._live.stop()
        self.notes_edit.flush()
        if self._own_jobs:
            self._jobs.shutdown()

    # --- store answers ------------------------------------------------------------------------

    def _on_listed(self, db_path: str, runs: list[Any]) -> None:
        self._loaded = True
        if self._db_path != db_path:
            self._db_path = db_path
            logdir = Path(db_path).parent / TENSORBOARD_FOLDER
            if self.tensorboard_check.isEnabled():
                self.tensorboard_check.setToolTip(f"Write each new run's scalars for TensorBoard to {logdir}/run-N")
        if self.table.state() == QAbstractItemView.State.EditingState and [r.id for r in runs] != [
            r.id for r in self.model.runs
        ]:
            QTimer.singleShot(LIVE_REFRESH_MS, self.refresh)  # don't pull the row from under the user's edit
            return
        selected = self.selected_run_ids()
        before = self._selection_signature()
        current = self.notes_edit.run_id
        if self.model.set_runs(runs):
            self.select_runs([i for i in selected if self.model.row_of(i) >= 0])
        self.filter_bar.set_tags([t for r in runs for t in r.tags])
        self._update_status_text()
        self._update_actions()
        self._live.update(self.model.runs)
        if selected and self._selection_signature() != before:
            self._request_details(force=True)
        if current is not None and self.model.row_of(current) < 0:
            self.notes_edit.show_run(None)
        emit(self.runs_listed, [r.id for r in runs])
        emit(self.colors_listed, {r.id: r.color for r in runs})
        emit(self.refreshed)

    def _on_details_loaded(self, details: RunDetails) -> None:
        runs = [self.model.run_at(row) for row in map(self.model.row_of, details.run_ids) if row >= 0]
        self.compare.show_runs(runs, details.epochs)
        self.differences.show_differences([r.name for r in runs], details.differences)
        self.changes_line.show_changes(runs, details.changes)
        self._details_shown_for = details.run_ids
        emit(self.details_shown)

    def _on_launched(self, message: str) -> None:
        self.status_label.setText(message)
        for ms in (2000, 6000, 15000):  # until a run of them is listed as running, then the live refresh goes on
            QTimer.singleShot(ms, self.refresh)

    def _on_store_failed(self, message: str) -> None:
        self.status_label.setText(message)
        emit(self.error, message)

    # --- user actions -------------------------------------------------------------------------

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        ids = self.selected_run_ids()
        self.confirm_bar.hide()
        self._update_status_text()
        if len(ids) == 1:
            self.notes_edit.show_run(ids[0], self.run(ids[0]).notes)
        else:
            self.notes_edit.show_run(None)
        self._update_actions()
        self._request_details()
        emit(self.selection_changed, ids)

    def _selection_signature(self) -> list[tuple[int, str, int, str, str]]:
        """What the compare view shows of the selection: names, epochs done, status and colour."""
        return [(r.id, r.name, r.epochs_done, r.status, r.color) for r in map(self.run, self.selected_run_ids())]

    def _request_details(self, force: bool = False) -> None:
        ids = self.selected_run_ids()
        if not ids:
            self._store.forget_details()
            self.compare.clear()
            self.differences.show_differences([], {})
            self._details_shown_for = ()
            return
        if not force and tuple(ids) == self._details_shown_for:
            return
        self._store.load_details([(i, self.run(i).config) for i in ids])

    def _on_renamed(self, run_id: int, _name: str) -> None:
        if run_id in self.selected_run_ids():
            self._request_details(force=True)

    def _on_rename_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1:
            self.table.edit_name(ids[0])

    def _on_tags_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1:
            self.table.edit_tags(ids[0])

    def _on_filter_changed(self) -> None:
        """Hide the runs that do not match; the comparison keeps only the selected runs still shown."""
        selected = self.selected_run_ids()
        self.proxy.set_filter(*self.filter_bar.values())
        self._update_status_text()
        if self.selected_run_ids() != selected:
            self._on_selection_changed(QItemSelection(), QItemSelection())

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
        if len(ids) == 1 and can_resume(self.run(ids[0]), self._training):
            emit(self.resume_requested, ids[0], self.run(ids[0]).config)

    def _on_follow_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1 and not self._training and self.run(ids[0]).status == "running":
            emit(self.follow_requested, ids[0])

    def _on_inspect_clicked(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) == 1 and has_model(self.run(ids[0])):
            emit(self.inspect_requested, ids[0], self.run(ids[0]).name, -1)

    def _on_mistakes_clicked(self) -> None:
        """Compare the later run's mistakes with the earlier one's (B minus A)."""
        runs = sorted((self.run(i) for i in self.selected_run_ids()), key=lambda r: r.id)
        if len(runs) == 2:
            self.mistakes.compare(runs[0], runs[1])

    # --- notes --------------------------------------------------------------------------------

    def _save_notes(self, run_id: int, text: str) -> None:
        if self.model.row_of(run_id) < 0:
            return
        self.model.update_run(run_id, notes=text)
        self._store.set_notes(run_id, text)

    # --- state --------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        runs = [self.run(i) for i in self.selected_run_ids()]
        self.action_row.update_for(runs, self._training)
        self.error_line.show_run(runs[0] if len(runs) == 1 else None)

    def _update_status_text(self) -> None:
        hint = len(self.selected_run_ids()) < 2
        self.status_label.setText(count_line(self.proxy.rowCount(), self.model.runs, self._db_path, hint))
