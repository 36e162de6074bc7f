"""Under the compare plots: each compared run's (or seed group's) best test accuracy and its epoch beside its last."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ....runs.comparison import Entry, best_text, last_text
from ...widgets.palette import Rgb

HEADERS = ("Run", "Best test acc", "Last test acc")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ScoresTable(QTableWidget):
    """One row per compared entry: its colour and legend text, best (@ epoch) and last test accuracy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        header_item = self.horizontalHeaderItem(1)
        assert header_item is not None
        header_item.setToolTip(
            "The best test accuracy of the run's epochs and the epoch it came at; for runs repeated with "
            "several seeds, the mean ± standard deviation of their bests"
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(20)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.setMaximumHeight(110)

    def show_entries(self, entries: Sequence[Entry], colors: Sequence[Rgb]) -> None:
        """One row per entry, its name cell marked with its colour."""
        self.setRowCount(len(entries))
        for row, (entry, rgb) in enumerate(zip(entries, colors, strict=True)):
            scores = entry.scores()
            name = QTableWidgetItem(entry.label)
            name.setData(Qt.ItemDataRole.DecorationRole, QColor(*rgb))
            name.setToolTip("\n".join(f"{r.name} (run {r.id})" for r in entry.runs))
            self.setItem(row, 0, name)
            for col, text in ((1, best_text(scores)), (2, last_text(scores))):
                item = QTableWidgetItem(text)
                item.setTextAlignment(RIGHT)
                self.setItem(row, col, item)

    def rows(self) -> list[tuple[str, str, str]]:
        """The table as the user reads it: (run, best, last) per row."""

        def text(row: int, col: int) -> str:
            item = self.item(row, col)
            return item.text() if item is not None else ""

        return [(text(r, 0), text(r, 1), text(r, 2)) for r in range(self.rowCount())]
