"""The Layers tab: the seed's shape walk as an expandable table, with totals underneath."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

COLUMNS = ("Layer", "Type", "Output shape", "Params", "MACs")
NUMERIC_COLUMNS = (3, 4)


def format_shape(shape: tuple[int, ...]) -> str:
    """(1, 64, 112, 112) -> "1×64×112×112"."""
    return "×".join(str(d) for d in shape)


def format_count(n: int) -> str:
    """A short multiply-add count: 0.57 G, 42.47 M, 5.12 K."""
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if n >= scale / 10:
            return f"{n / scale:.2f} {unit}"
    return str(n)


def format_totals(total_params: int, total_macs: int) -> str:
    """E.g. "11,178,378 parameters · 0.32 G multiply-adds"."""
    return f"{total_params:,} parameters · {format_count(total_macs)} multiply-adds"


class LayerTable(QWidget):
    """Rows per top-level layer, each stage expandable to its Residual blocks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tree = QTreeWidget()
        self._tree.setColumnCount(len(COLUMNS))
        self._tree.setHeaderLabels(list(COLUMNS))
        self._tree.setUniformRowHeights(True)
        self._tree.setAlternatingRowColors(True)
        self._tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._tree.header().setStretchLastSection(False)
        self._totals = QLabel("loading the layer summary…")
        self._totals.setObjectName("layer-totals")
        self._totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._input = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self._input)
        layout.addWidget(self._tree, 1)
        layout.addWidget(self._totals)
        self._summary: Any = None

    @property
    def tree(self) -> QTreeWidget:
        """The tree widget (for tests and for selecting rows)."""
        return self._tree

    @property
    def summary(self) -> Any:
        """The summary on display, or None."""
        return self._summary

    def totals_text(self) -> str:
        """The line under the table."""
        return self._totals.text()

    def show_summary(self, summary: Any) -> None:
        """Show every row of ``summary`` (a ``resnet_gui.summary.Summary``)."""
        expanded = self._expanded_names()
        self._summary = summary
        self._tree.setUpdatesEnabled(False)
        try:
            self._tree.clear()
            self._tree.setEnabled(True)
            parents: dict[str, QTreeWidgetItem] = {}
            for row in summary.rows:
                item = QTreeWidgetItem([row.name, row.type, format_shape(row.output_shape),
                                        f"{row.params:,}", format_count(row.macs)])
                item.setToolTip(4, f"{row.macs:,} multiply-adds")
                for col in NUMERIC_COLUMNS:
                    item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                parent = parents.get(row.parent) if row.parent else None
                if parent is None:
                    self._tree.addTopLevelItem(item)
                    parents[row.name] = item
                else:
                    parent.addChild(item)
            for name in expanded:
                if name in parents:
                    parents[name].setExpanded(True)
        finally:
            self._tree.setUpdatesEnabled(True)
        c, h, w = summary.input_shape
        self._input.setText(f"Input: {format_shape((1, c, h, w))}")
        self._totals.setText(format_totals(summary.total_params, summary.total_macs))

    def show_invalid(self, reason: str = "invalid settings") -> None:
        """Replace the table with a note that the settings cannot be summarised."""
        self._summary = None
        self._tree.clear()
        self._tree.setEnabled(False)
        self._input.setText("")
        self._totals.setText(reason)

    def row_texts(self, name: str) -> list[str] | None:
        """The column texts of the row called ``name`` (a layer or block), or None."""
        items = self._tree.findItems(name, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive, 0)
        if not items:
            return None
        return [items[0].text(c) for c in range(len(COLUMNS))]

    def _expanded_names(self) -> list[str]:
        return [self._tree.topLevelItem(i).text(0) for i in range(self._tree.topLevelItemCount())
                if self._tree.topLevelItem(i).isExpanded()]
