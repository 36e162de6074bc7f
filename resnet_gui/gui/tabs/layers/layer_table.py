"""The Layers tab: the seed's shape walk as a torchinfo-style table, stages expanding to blocks
and blocks to their convolutions, with totals, the memory training needs, copy, and CSV and
Markdown export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...qt_compat import emit
from ...widgets.buttons import tool_button
from ...widgets.palette import set_tone
from .layer_rows import (
    COL_LAYER,
    COL_MACS,
    COL_MEMORY,
    COLUMNS,
    NUMERIC_COLUMNS,
    format_count,
    format_shape,
    format_totals,
    table_rows,
    to_csv,
    to_markdown,
    to_tsv,
)

__all__ = ["COLUMNS", "LayerTable", "format_count", "format_shape", "format_totals"]

NAME_ROLE = Qt.ItemDataRole.UserRole


class LayerTable(QWidget):
    """Rows per top-level layer, each stage expandable to its blocks and each block to its layers.

    ``layer_selected(name)`` is emitted when the user selects a row; ``select_layer(name)``
    selects one from outside without echoing it back. ``summary_changed`` carries the Summary
    on display, or None when the settings cannot be summarised.
    """

    layer_selected = Signal(str)
    summary_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tree = QTreeWidget()
        self._tree.setColumnCount(len(COLUMNS))
        self._tree.setHeaderLabels(list(COLUMNS))
        self._tree.setUniformRowHeights(True)
        self._tree.setAlternatingRowColors(True)
        self._tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._tree.header().setStretchLastSection(False)
        for col in NUMERIC_COLUMNS:
            self._tree.headerItem().setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._tree.itemSelectionChanged.connect(self._on_selection_changed)
        self._totals = QLabel("loading the layer summary…")
        self._totals.setObjectName("layer-totals")
        self._totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._input = QLabel()
        self._input.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._totals.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._status = QLabel()
        self._status.setObjectName("layer-table-status")
        set_tone(self._status, "muted")
        self._memory = QLabel()
        self._memory.setObjectName("layer-memory")
        self._memory.setWordWrap(True)
        self._memory.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._memory.setToolTip(
            "Parameters, gradients and optimizer state in float32, and the activations "
            "backward keeps, with what the allocator holds around them (measured)"
        )
        self._memory.hide()

        self.expand_button = tool_button("Expand all", "Show every block and its layers", self._on_expand_all)
        self.collapse_button = tool_button("Collapse all", "Show only the top-level layers", self._on_collapse_all)
        self.copy_button = tool_button(
            "Copy", "Copy the whole table, tab-separated, to the clipboard", self._on_copy_clicked
        )
        self.csv_button = tool_button("Export CSV…", "Save every row as CSV (raw numbers)", self._on_export_csv)
        self.markdown_button = tool_button(
            "Export Markdown…", "Save the layers and blocks as a Markdown table", self._on_export_markdown
        )
        self._buttons = (
            self.expand_button,
            self.collapse_button,
            self.copy_button,
            self.csv_button,
            self.markdown_button,
        )

        top = QHBoxLayout()
        top.addWidget(self._input, 1)
        for button in self._buttons:
            top.addWidget(button)
            if button is self.collapse_button:
                top.addSpacing(12)
        bottom = QHBoxLayout()
        bottom.addWidget(self._totals, 1)
        bottom.addWidget(self._status)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._tree, 1)
        layout.addLayout(bottom)
        layout.addWidget(self._memory)
        self._summary: Any = None
        self._items: dict[str, QTreeWidgetItem] = {}
        self._syncing = False
        self._update_buttons()

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

    def memory_text(self) -> str:
        """The memory estimate's line under the totals ("" when there is none)."""
        return self._memory.text()

    def show_memory(self, report: Any) -> None:
        """Show ``report.memory_line`` (a ``LayerReport``'s) under the totals, in red when it does not fit."""
        line = report.memory_line if report is not None else ""
        self._memory.setText(line)
        set_tone(self._memory, "" if report is None or report.fits else "error")
        self._memory.setVisible(bool(line))

    def status_text(self) -> str:
        """The note after a copy or an export ("" before any)."""
        return self._status.text()

    def show_summary(self, summary: Any) -> None:
        """Show every row of ``summary`` (a ``resnet_gui.model.summary.Summary``)."""
        expanded = self._expanded_names()
        selected = self.selected_layer()
        self._summary = summary
        self._tree.setUpdatesEnabled(False)
        self._syncing = True
        try:
            self._tree.clear()
            self._items = {}
            self._tree.setEnabled(True)
            for row in table_rows(summary):
                item = QTreeWidgetItem(row.texts(summary.total_params))
                item.setData(COL_LAYER, NAME_ROLE, row.name)
                item.setToolTip(COL_MACS, f"{row.macs:,} multiply-adds")
                item.setToolTip(COL_MEMORY, f"{row.activation_bytes:,} bytes of float32 output for one image")
                for col in NUMERIC_COLUMNS:
                    item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                parent = self._items.get(row.parent) if row.parent else None
                if parent is None:
                    self._tree.addTopLevelItem(item)
                else:
                    parent.addChild(item)
                self._items[row.name] = item
            for name in expanded:
                if name in self._items:
                    self._items[name].setExpanded(True)
            if selected in self._items:
                self._items[selected].setSelected(True)
        finally:
            self._syncing = False
            self._tree.setUpdatesEnabled(True)
        c, h, w = summary.input_shape
        self._input.setText(f"Input: {format_shape((1, c, h, w))}")
        self._totals.setText(format_totals(summary.total_params, summary.total_macs))
        self._update_buttons()
        emit(self.summary_changed, summary)

    def show_invalid(self, reason: str = "invalid settings") -> None:
        """Replace the table with a note that the settings cannot be summarised."""
        self._summary = None
        self._syncing = True
        try:
            self._tree.clear()
        finally:
            self._syncing = False
        self._items = {}
        self._tree.setEnabled(False)
        self._input.setText("")
        self._totals.setText(reason)
        self.show_memory(None)
        self._update_buttons()
        emit(self.summary_changed, None)

    def row_texts(self, name: str) -> list[str] | None:
        """The column texts of the row called ``name`` (a layer, block or part), or None."""
        item = self._items.get(name)
        if item is None:
            return None
        return [item.text(c) for c in range(len(COLUMNS))]

    def item(self, name: str) -> QTreeWidgetItem | None:
        """The row called ``name``, e.g. "resnet_block2.0.conv1", or None."""
        return self._items.get(name)

    def selected_layer(self) -> str:
        """The name of the selected row ("" when none)."""
        items = self._tree.selectedItems()
        return str(items[0].data(COL_LAYER, NAME_ROLE)) if items else ""

    def select_layer(self, name: str) -> None:
        """Select and reveal the row ``name`` (clearing the selection when there is none) silently."""
        item = self._items.get(name)
        self._syncing = True
        try:
            self._tree.clearSelection()
            if item is not None:
                parent = item.parent()
                while parent is not None:
                    parent.setExpanded(True)
                    parent = parent.parent()
                item.setSelected(True)
                self._tree.setCurrentItem(item)
                self._tree.scrollToItem(item)
        finally:
            self._syncing = False

    def to_csv(self) -> str:
        """Every row as CSV ("" when nothing is shown)."""
        return to_csv(self._summary) if self._summary is not None else ""

    def to_markdown(self) -> str:
        """The layers and blocks as a Markdown table ("" when nothing is shown)."""
        return to_markdown(self._summary) if self._summary is not None else ""

    def to_tsv(self) -> str:
        """Every row as shown, tab-separated ("" when nothing is shown)."""
        return to_tsv(self._summary) if self._summary is not None else ""

    def export_csv(self, path: str | Path) -> Path:
        """Write the CSV to ``path``; returns the path written."""
        return self._write(path, self.to_csv())

    def export_markdown(self, path: str | Path) -> Path:
        """Write the Markdown table to ``path``; returns the path written."""
        return self._write(path, self.to_markdown())

    def copy_to_clipboard(self) -> str:
        """Put the tab-separated table on the clipboard; returns the text copied."""
        text = self.to_tsv()
        QGuiApplication.clipboard().setText(text)
        self._status.setText(f"copied {len(self._items)} rows")
        return text

    def _write(self, path: str | Path, text: str) -> Path:
        if not text:
            raise ValueError("there is no layer summary to export: fix the settings first")
        target = Path(path)
        target.write_text(text, encoding="utf-8")
        self._status.setText(f"saved {target.name}")
        return target

    def _on_copy_clicked(self) -> None:
        self.copy_to_clipboard()

    def _on_export_csv(self) -> None:
        self._export_with_dialog("Export the layer table as CSV", "layers.csv", "CSV files (*.csv)", self.export_csv)

    def _on_export_markdown(self) -> None:
        self._export_with_dialog(
            "Export the layer table as Markdown", "layers.md", "Markdown files (*.md)", self.export_markdown
        )

    def _export_with_dialog(self, title: str, default: str, filters: str, export: Any) -> None:
        path, _ = QFileDialog.getSaveFileName(self, title, default, filters)
        if not path:
            return
        try:
            export(path)
        except OSError as exc:
            self._status.setText(f"could not save: {exc.strerror or exc}")

    def _on_expand_all(self) -> None:
        self._tree.expandAll()

    def _on_collapse_all(self) -> None:
        self._tree.collapseAll()

    def _on_selection_changed(self) -> None:
        if not self._syncing:
            emit(self.layer_selected, self.selected_layer())

    def _update_buttons(self) -> None:
        for button in self._buttons:
            button.setEnabled(self._summary is not None)

    def _expanded_names(self) -> list[str]:
        return [name for name, item in self._items.items() if item.isExpanded()]
