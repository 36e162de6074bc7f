"""The Runs table's right-click menu: a run's colour (chosen or reset) and repeating it with several seeds.

The dialogs open window-modal without a nested event loop (``open``), so runs keep training and the
table keeps refreshing while one is up; their answers come out as signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QInputDialog, QMenu, QTableView

from ....runs.comparison import short_name
from ....runs.seeds import MAX_SEEDS
from ...qt_compat import emit
from ...widgets.palette import hex_color, run_color
from .runs_history import RunsHistory

DEFAULT_SEEDS = 3


class RowMenu(QObject):
    """Right-click on a run: "Colour…", "Reset colour", "Repeat with N seeds…".

    ``run_at(pos)`` gives the run (a RunRecord) under the mouse. The answers go to ``history``
    (``RunsHistory``: a colour is stored, the repeats are launched) and come out as
    ``color_chosen(run_id, "#rrggbb" or "")`` and ``repeat_requested(run_id, seeds)``.
    """

    color_chosen = Signal(int, str)
    repeat_requested = Signal(int, int)

    def __init__(
        self, table: QTableView, run_at: Callable[[QPoint], Any], history: RunsHistory, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._table = table
        self._run_at = run_at
        self.dialog: QColorDialog | QInputDialog | None = None  # the dialog open now, if any
        self._asked: Any = None  # the run whose repeat is being asked about
        self.color_chosen.connect(history.set_color)
        self.repeat_requested.connect(lambda run_id, n: self._repeat(history, run_id, n))
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_menu_requested)

    def menu_for(self, run: Any) -> QMenu:
        """The menu of ``run``."""
        menu = QMenu(self._table)
        colour = menu.addAction("Colour…")
        colour.setToolTip("The run's colour in the table, the comparison plots and the Training tab")
        colour.triggered.connect(lambda: self.ask_color(run))
        reset = menu.addAction("Reset colour")
        reset.setEnabled(bool(run.color))
        reset.triggered.connect(lambda: emit(self.color_chosen, run.id, ""))
        menu.addSeparator()
        repeat = menu.addAction("Repeat with N seeds…")
        repeat.triggered.connect(lambda: self.ask_seeds(run))
        return menu

    def _on_menu_requested(self, pos: QPoint) -> None:
        run = self._run_at(pos)
        if run is not None:
            self.menu_for(run).popup(self._table.viewport().mapToGlobal(pos))

    def ask_color(self, run: Any) -> QColorDialog:
        """Open a colour dialog at the run's colour; choosing one says ``color_chosen``."""
        dialog = QColorDialog(QColor(hex_color(run_color(run.id, run.color))), self._table)
        dialog.setWindowTitle(f"Colour of {run.name}")
        dialog.colorSelected.connect(lambda c: emit(self.color_chosen, run.id, c.name()))
        return self._open(dialog)

    def ask_seeds(self, run: Any) -> QInputDialog:
        """Ask how many seeds; the answer says ``repeat_requested``."""
        dialog = QInputDialog(self._table)
        dialog.setWindowTitle("Repeat with several seeds")
        first = run.config.train.seed if run.config.train.seed is not None else 0
        dialog.setLabelText(
            f"Train '{run.name}' again with each of N seeds ({first}, {first + 1}, …), otherwise identical,\n"
            "as background runs grouped by a seeds: tag. How many seeds?"
        )
        dialog.setInputMode(QInputDialog.InputMode.IntInput)
        dialog.setIntRange(2, MAX_SEEDS)
        dialog.setIntValue(DEFAULT_SEEDS)
        dialog.intValueSelected.connect(lambda n: emit(self.repeat_requested, run.id, n))
        self._asked = run
        return self._open(dialog)

    def _repeat(self, history: RunsHistory, run_id: int, seeds: int) -> None:
        run = self._asked
        if run is not None and run.id == run_id:
            history.repeat(run.config, seeds, short_name(run))

    def _open(self, dialog: Any) -> Any:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog
