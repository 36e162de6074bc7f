"""Pieces of the Runs tab: the table's view, the inline delete confirmation, titled boxes."""

from __future__ import annotations

import importlib.util
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt
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

from ....runs.status import RESUMABLE, RunStatus
from ...widgets.palette import set_tone
from .run_columns import COLUMNS, DATE_COLUMN, NAME_COLUMN, TAGS_COLUMN
from .runs_filter import RunsFilter
from .runs_table import RUN_ID_ROLE, RunsTableModel


def has_model(run: Any) -> bool:
    """Whether the run saved a trained model (it finished at least one epoch)."""
    return bool(run.best_checkpoint or run.last_checkpoint)


def can_resume(run: Any, training: bool) -> bool:
    """Whether Resume applies: the window is free and the run stopped or crashed after a checkpoint."""
    return not training and run.status in RESUMABLE and bool(run.last_checkpoint)


def tensorboard_installed() -> bool:
    """True when the tensorboard package can be imported (checked without importing it)."""
    return importlib.util.find_spec("tensorboard") is not None


class RunsTableView(QTableView):
    """A sortable, filtered, multi-select table of runs, newest first, names and tags editable in place."""

    def __init__(self, model: RunsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs_model = model
        self.proxy = RunsFilter(self)
        self.proxy.setSourceModel(model)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(DATE_COLUMN, Qt.SortOrder.DescendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        for col, column in enumerate(COLUMNS):
            self.setColumnWidth(col, column.width)

    def runs(self) -> list[Any]:
        """The RunRecords in the table, in the view's (sorted) order."""
        return [
            self.runs_model.run_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            for r in range(self.proxy.rowCount())
        ]

    def run(self, run_id: int) -> Any:
        """The RunRecord shown for ``run_id``; KeyError when it is not in the table."""
        row = self.runs_model.row_of(run_id)
        if row < 0:
            raise KeyError(f"run {run_id} is not in the table")
        return self.runs_model.run_at(row)

    def run_at(self, pos: QPoint) -> Any:
        """The RunRecord of the row at ``pos`` in the viewport (None below the last row)."""
        index = self.indexAt(pos)
        return self.runs_model.run_at(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def selected_run_ids(self) -> list[int]:
        """The selected runs, in the view's order."""
        rows = sorted(i.row() for i in self.selectionModel().selectedRows())
        return [self.proxy.index(r, 0).data(RUN_ID_ROLE) for r in rows]

    def select_runs(self, run_ids: list[int]) -> None:
        """Select exactly these runs (those in the table)."""
        selection = QItemSelection()
        for run_id in run_ids:
            row = self.runs_model.row_of(run_id)
            if row >= 0:
                index = self.proxy.mapFromSource(self.runs_model.index(row, 0))
                selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.selectionModel().select(selection, flags)
        if run_ids and self.runs_model.row_of(run_ids[0]) >= 0:
            index = self.proxy.mapFromSource(self.runs_model.index(self.runs_model.row_of(run_ids[0]), 0))
            self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)

    def edit_name(self, run_id: int) -> None:
        """Start editing the run's name in place."""
        self._edit(run_id, NAME_COLUMN)

    def edit_tags(self, run_id: int) -> None:
        """Start editing the run's tags in place (comma-separated)."""
        self._edit(run_id, TAGS_COLUMN)

    def _edit(self, run_id: int, column: int) -> None:
        index = self.proxy.mapFromSource(self.runs_model.index(self.runs_model.row_of(run_id), column))
        if index.isValid():
            self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.scrollTo(index)
            self.edit(index)


class ConfirmBar(QFrame):
    """An inline question with Delete and Cancel (no modal dialog); hidden until ``ask``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirm-delete")
        set_tone(self, "warning-box")
        self.label = QLabel()
        self.confirm_button = QPushButton("Delete")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.confirm_button)
        layout.addWidget(self.cancel_button)
        self.hide()

    def ask(self, question: str) -> None:
        """Show ``question`` with the two buttons."""
        self.label.setText(question)
        self.show()


def titled(title: str, widget: QWidget) -> QWidget:
    """``widget`` under a bold title."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(QLabel(f"<b>{title}</b>"))
    layout.addWidget(widget, 1)
    return box


class RunActions(QWidget):
    """The buttons acting on the selected runs in a row; Compare mistakes, Score together and the TensorBoard
    box go elsewhere."""

    def __init__(self, tensorboard_folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rename = _button("Rename", "Rename the selected run (or double-click its name)")
        self.tags = _button("Tags…", "Edit the selected run's tags, separated by commas (or double-click its tags)")
        self.delete = _button("Delete…", "Delete the selected runs with their metrics and checkpoints")
        self.load = _button("Load settings", "Put the selected run's settings into the form on the left")
        self.resume = _button("Resume run", RESUME_TIP)
        self.follow = _button("Follow", "Show a running background run's progress live on the Training tab")
        self.inspect = _button(
            "Open in Results",
            "Open the selected run's trained model on the Results tab: its "
            "confusion matrix on its test set, and use it to classify images and show feature maps",
        )
        self.mistakes = _button(
            "Compare mistakes",
            "Select two trained runs: the difference of their confusion matrices on their test set, "
            "and the test images one gets right and the other wrong",
        )
        self.ensemble = _button(
            "Score together",
            "Select two or more trained runs: their networks' answers averaged on their test set, "
            "with each network's own accuracy",
        )
        self.tensorboard = QCheckBox("Log new runs to TensorBoard")
        self.tensorboard.setEnabled(tensorboard_installed())
        self.tensorboard.setToolTip(
            "Write each new run's loss, accuracies and learning rate for TensorBoard, in a "
            f"'{tensorboard_folder}' folder beside the run history"
            if tensorboard_installed()
            else "TensorBoard is not installed: pip install tensorboard"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button in (self.rename, self.tags, self.delete, self.load, self.resume, self.follow, self.inspect):
            layout.addWidget(button)
        layout.addStretch(1)

    def update_for(self, runs: list[Any], training: bool) -> None:
        """Enable the buttons that apply to the selected ``runs`` (while the window trains or not)."""
        one = runs[0] if len(runs) == 1 else None
        self.rename.setEnabled(one is not None)
        self.tags.setEnabled(one is not None)
        self.delete.setEnabled(any(r.status != RunStatus.RUNNING for r in runs))
        self.load.setEnabled(one is not None and not training)
        self.resume.setEnabled(one is not None and can_resume(one, training))
        self.follow.setEnabled(one is not None and not training and one.status == RunStatus.RUNNING)
        self.inspect.setEnabled(one is not None and has_model(one))
        self.mistakes.setEnabled(len(runs) == 2 and all(has_model(r) for r in runs))
        self.ensemble.setEnabled(len(runs) >= 2 and all(has_model(r) for r in runs))
        if one is not None and one.status in RESUMABLE and not one.last_checkpoint:
            self.resume.setToolTip("This run stopped before its first checkpoint; train it again instead")
        else:
            self.resume.setToolTip(RESUME_TIP)


class ErrorLine(QLabel):
    """Under the table: why the selected run failed (hidden for any other selection)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_tone(self, "error")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_run(self, run: Any | None) -> None:
        """Show ``run``'s error when it has one; else hide."""
        error = run.error if run is not None else ""
        self.setText(f"Run '{run.name}' {run.status}: {error}" if run is not None and error else "")
        self.setVisible(bool(error))


RESUME_TIP = "Continue a stopped or crashed run from its last checkpoint"


def _button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    return button


def split_view(top: QWidget, compare: QWidget, differences: QWidget, notes: QWidget) -> QSplitter:
    """The table on top; below it the comparison plots beside the differing settings and the notes."""
    side = QSplitter(Qt.Orientation.Vertical)
    side.addWidget(titled("Settings that differ", differences))
    side.addWidget(titled("Notes", notes))
    side.setSizes([220, 120])
    bottom = QSplitter()
    bottom.addWidget(compare)
    bottom.addWidget(side)
    bottom.setStretchFactor(0, 3)
    bottom.setStretchFactor(1, 2)
    bottom.setSizes([480, 320])
    main = QSplitter(Qt.Orientation.Vertical)
    main.addWidget(top)
    main.addWidget(bottom)
    main.setStretchFactor(0, 1)
    main.setStretchFactor(1, 2)
    main.setSizes([220, 460])
    return main
