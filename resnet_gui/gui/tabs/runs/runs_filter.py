"""Finding runs: the search box, status and tag filters above the Runs table, and the proxy that hides rows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from ....runs.status import RunStatus
from ...qt_compat import emit
from .runs_table import SEARCH_ROLE, SORT_ROLE

ANY_STATUS = "Any status"
ANY_TAG = "Any tag"


class RunsFilter(QSortFilterProxyModel):
    """Sorts by each column's sort key; shows the runs whose text has every search word, with the
    chosen status and tag ("" for any)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._words: tuple[str, ...] = ()
        self._status = ""
        self._tag = ""

    @property
    def filtering(self) -> bool:
        """True when a search or filter is set (some runs may be hidden)."""
        return bool(self._words or self._status or self._tag)

    def set_filter(self, text: str = "", status: str = "", tag: str = "") -> None:
        """Show only the runs matching every word of ``text``, with ``status`` and ``tag`` when given."""
        words = tuple(text.lower().split())
        if (words, status, tag) == (self._words, self._status, self._tag):
            return
        self.beginFilterChange()
        self._words, self._status, self._tag = words, status, tag
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        """Whether a run matches the search words, the status and the tag."""
        model: Any = self.sourceModel()
        run = model.run_at(source_row)
        if self._status and run.status != self._status:
            return False
        if self._tag and self._tag not in run.tags:
            return False
        if not self._words:
            return True
        text = model.index(source_row, 0, source_parent).data(SEARCH_ROLE)
        return all(word in text for word in self._words)


class FilterBar(QWidget):
    """A search box, a status choice and a tag choice; ``changed`` when any of them changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search runs: name, tags, notes, data set, model, status")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Shows the runs whose name, tags, notes, data set, model or status contain every word")
        self.status = QComboBox()
        self.status.addItem(ANY_STATUS, "")
        for status in RunStatus:
            self.status.addItem(str(status), str(status))
        self.status.setToolTip("Show only the runs with this status")
        self.tag = QComboBox()
        self.tag.addItem(ANY_TAG, "")
        self.tag.setToolTip("Show only the runs with this tag (tags are edited in the table's Tags column)")
        self.tag.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.tag)
        self.search.textChanged.connect(lambda _text: emit(self.changed))
        self.status.currentIndexChanged.connect(lambda _i: emit(self.changed))
        self.tag.currentIndexChanged.connect(lambda _i: emit(self.changed))

    def values(self) -> tuple[str, str, str]:
        """(search text, status or "", tag or "")."""
        return self.search.text(), self.status.currentData() or "", self.tag.currentData() or ""

    def set_tags(self, tags: list[str]) -> None:
        """Offer these tags (sorted); the chosen one stays chosen while some run still has it."""
        current = self.tag.currentData() or ""
        wanted = sorted(set(tags), key=str.lower)
        if [self.tag.itemData(i) for i in range(1, self.tag.count())] == wanted:
            return
        self.tag.blockSignals(True)
        try:
            self.tag.clear()
            self.tag.addItem(ANY_TAG, "")
            for tag in wanted:
                self.tag.addItem(tag, tag)
            self.tag.setCurrentIndex(max(0, self.tag.findData(current)) if current in wanted else 0)
        finally:
            self.tag.blockSignals(False)
        if current and current not in wanted:
            emit(self.changed)


def count_line(shown: int, runs: list[Any], db_path: str, hint: bool = True) -> str:
    """ "5 runs · 1 running · history in …", or "2 of 5 runs shown · …" while a filter hides some;
    with ``hint``, how to compare runs."""
    total = len(runs)
    text = f"{total} run{'s' if total != 1 else ''}" if shown == total else f"{shown} of {total} runs shown"
    running = sum(r.status == RunStatus.RUNNING for r in runs)
    if running:
        text += f" · {running} running"
    text += f" · history in {db_path}" if db_path else ""
    return text + (" · select several runs to compare them" if hint and shown > 1 else "")
