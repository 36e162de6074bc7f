"""The Runs tab's comparison: selected runs' epoch curves overlaid, and the settings that differ."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ....training.events import EpochEnd
from ...widgets import palette
from ...widgets.plot_style import style_plots

SYMBOLS = ("o", "s", "t", "d", "+", "x")
Series = Sequence[tuple[str, Sequence[EpochEnd]]]


def time_unit(runs: Series) -> tuple[float, str]:
    """(seconds per unit, unit) that fits the longest of ``runs``' recorded training: s, min or h."""
    longest = max((sum(e.seconds for e in epochs) for _, epochs in runs), default=0.0)
    if longest >= 2 * 3600:
        return 3600.0, "h"
    return (60.0, "min") if longest >= 120 else (1.0, "s")


def wall_times(epochs: Sequence[EpochEnd], scale: float) -> list[float]:
    """The time at the end of each epoch, counting the recorded epochs' seconds, in units of ``scale`` seconds."""
    return list(accumulate(e.seconds / scale for e in epochs))


def format_setting(value: Any) -> str:
    """A setting as the diff table shows it: lists as "2,2", None as "—"."""
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return value if isinstance(value, str) else json.dumps(value)


class ComparePlots(QWidget):
    """Loss and test accuracy per epoch, one coloured curve per run, with a legend; the x axis is the
    epoch or the wall time (the recorded epochs' seconds added up)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(title="Loss per epoch")
        self.acc_plot = pg.PlotWidget(title="Test accuracy per epoch")
        for plot, label in ((self.loss_plot, "loss"), (self.acc_plot, "test accuracy")):
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", label)
            plot.showGrid(x=True, y=True, alpha=0.2)
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
        self.loss_plot.addLegend(offset=(-10, 10))
        self.acc_plot.addLegend(offset=(-10, -10))
        self.acc_plot.setXLink(self.loss_plot)
        self.loss_curves: list[pg.PlotDataItem] = []
        self.acc_curves: list[pg.PlotDataItem] = []
        self._runs: list[tuple[str, Sequence[EpochEnd]]] = []
        self.x_axis = QComboBox()
        self.x_axis.addItem("epoch", "epoch")
        self.x_axis.addItem("wall time", "time")
        self.x_axis.setToolTip("Plot against the epoch, or the time spent training (the epochs' times added up)")
        self.x_axis.currentIndexChanged.connect(lambda _i: self.show_runs(list(self._runs)))
        x_row = QHBoxLayout()
        x_row.addStretch(1)
        x_row.addWidget(QLabel("x axis:"))
        x_row.addWidget(self.x_axis)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(x_row)
        layout.addWidget(self.loss_plot, 1)
        layout.addWidget(self.acc_plot, 1)
        palette.follow(self._apply_theme)

    def _apply_theme(self, theme: palette.Theme) -> None:
        style_plots(theme, self.loss_plot, self.acc_plot)

    def show_runs(self, runs: Series) -> None:
        """Replace the curves with one per (legend name, epochs) pair."""
        self.clear()
        self._runs = list(runs)
        scale, unit = time_unit(runs)
        by_time = self.x_axis.currentData() == "time"
        for plot in (self.loss_plot, self.acc_plot):
            plot.setLabel("bottom", f"wall time ({unit})" if by_time else "epoch")
        for i, (name, epochs) in enumerate(runs):
            color = palette.run_color(i)
            style = {
                "pen": pg.mkPen(color, width=2),
                "symbol": SYMBOLS[i // len(palette.RUN_COLORS) % len(SYMBOLS)],
                "symbolSize": 6,
                "symbolBrush": color,
                "symbolPen": color,
                "name": name,
            }
            x = wall_times(epochs, scale) if by_time else [e.epoch for e in epochs]
            self.loss_curves.append(self.loss_plot.plot(x, [e.loss for e in epochs], **style))
            self.acc_curves.append(self.acc_plot.plot(x, [e.test_acc for e in epochs], **style))
        for plot in (self.loss_plot, self.acc_plot):
            plot.enableAutoRange()

    def clear(self) -> None:
        """No curves."""
        self._runs = []
        for plot, curves in ((self.loss_plot, self.loss_curves), (self.acc_plot, self.acc_curves)):
            for curve in curves:
                plot.removeItem(curve)
            curves.clear()

    def legend_names(self) -> list[str]:
        """The names in the loss plot's legend, in order."""
        legend = self.loss_plot.getPlotItem().legend
        return [label.text for _, label in legend.items] if legend is not None else []


class DifferencesTable(QTableWidget):
    """One row per setting that differs between the selected runs, one column per run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._note = ""
        self.show_differences([], {})

    def show_differences(self, names: list[str], differences: dict[str, list[Any]]) -> None:
        """``differences`` maps a dotted setting to one value per run, in the order of ``names``."""
        self.clear()
        if len(names) < 2:
            self._show_note("Select two or more runs to see the settings that differ.")
            return
        if not differences:
            self._show_note("The selected runs have the same settings.")
            return
        self._note = ""
        self.horizontalHeader().show()
        self.setColumnCount(len(names))
        self.setRowCount(len(differences))
        self.setHorizontalHeaderLabels(names)
        self.setVerticalHeaderLabels(list(differences))
        for row, values in enumerate(differences.values()):
            for col, value in enumerate(values):
                self.setItem(row, col, QTableWidgetItem(format_setting(value)))

    def _show_note(self, text: str) -> None:
        self._note = text
        self.horizontalHeader().hide()
        self.setColumnCount(1)
        self.setRowCount(1)
        self.setVerticalHeaderLabels([""])
        self.setItem(0, 0, QTableWidgetItem(text))

    def note(self) -> str:
        """The sentence shown instead of differences ("" when differences are shown)."""
        return self._note

    def as_dict(self) -> dict[str, list[str]]:
        """The table as shown: setting -> cell texts (empty when only a note is shown)."""
        if self._note:
            return {}

        def text(item: QTableWidgetItem | None) -> str:
            return item.text() if item is not None else ""

        return {
            text(self.verticalHeaderItem(r)): [text(self.item(r, c)) for c in range(self.columnCount())]
            for r in range(self.rowCount())
        }
