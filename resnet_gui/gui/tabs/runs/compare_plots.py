"""The Runs tab's comparison: selected runs' epoch curves overlaid, and the settings that differ.

Each run is drawn in its own colour (``palette.run_color``), its legend naming the settings that
differ between the compared runs; the selected runs of a seed group are drawn as their mean with
a band (min-max or ±1 std), or each apart. A table under the plots puts each one's best test
accuracy and its epoch beside its last (mean ± std for a group).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
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

from ....runs.comparison import Entry, entries
from ....runs.store import RunRecord
from ....settings.config import SPECS
from ....training.events import EpochEnd
from ...widgets import palette
from ...widgets.plot_axes import plot_widget
from ...widgets.plot_style import style_plots
from .scores_table import ScoresTable

SYMBOLS = ("o", "s", "t", "d", "+", "x")
BANDS = (("min–max", "minmax"), ("±1 std", "std"), ("each run", "apart"))
BAND_ALPHA = 60
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


def entry_color(entry: Entry) -> palette.Rgb:
    """The colour an entry is drawn in: its (first) run's."""
    run = entry.color_run
    return palette.run_color(run.id, run.color)


def _x(entry: Entry, epochs: Sequence[int], scale: float, by_time: bool) -> list[float]:
    """The x of each of ``epochs``: the epoch, or the mean over the entry's runs of the time trained by then."""
    if not by_time:
        return [float(e) for e in epochs]
    times = [dict(zip((e.epoch for e in run), wall_times(run, scale), strict=True)) for run in entry.epochs]
    return [sum(t[e] for t in times) / len(times) for e in epochs]


class ComparePlots(QWidget):
    """Loss and test accuracy per epoch, one curve (or mean and band) per run or seed group, each in its
    run's colour; the x axis is the epoch or the wall time (the recorded epochs' seconds
    added up); under them, the best and last test accuracy of each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # No titles, and the x axis named under the lower plot only (the two share it): at the
        # window's default size the titles and the upper axis name left the curves 48 px of height.
        self.loss_plot = plot_widget()
        self.acc_plot = plot_widget()
        for plot, label in ((self.loss_plot, "loss"), (self.acc_plot, "test accuracy")):
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", label)
            plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_plot.getAxis("bottom").showLabel(False)
        # The legends keep each curve's name but stay hidden: at the window's size they
        # covered the curves, and the table under the plots is the key (swatch, name, settings).
        for legend in (self.loss_plot.addLegend(offset=(-10, 10)), self.acc_plot.addLegend(offset=(-10, -10))):
            legend.setVisible(False)
        self.acc_plot.setXLink(self.loss_plot)
        self.loss_curves: list[pg.PlotDataItem] = []
        self.acc_curves: list[pg.PlotDataItem] = []
        self.bands: list[pg.FillBetweenItem] = []  # the seed groups' bands, loss then accuracy
        self._extras: list[tuple[pg.PlotWidget, Any]] = []  # band edges and fills, removed on clear
        self._runs: list[RunRecord] = []
        self._epochs: dict[int, Sequence[EpochEnd]] = {}
        self.entries: list[Entry] = []
        self.x_axis = QComboBox()
        self.x_axis.addItem("epoch", "epoch")
        self.x_axis.addItem("wall time", "time")
        self.x_axis.setToolTip("Plot against the epoch, or the time spent training (the epochs' times added up)")
        self.x_axis.currentIndexChanged.connect(lambda _i: self._redraw())
        self.band = QComboBox()
        for text, kind in BANDS:
            self.band.addItem(text, kind)
        self.band.setToolTip(
            "Runs repeated with several seeds are drawn as their mean with a band: from the lowest to the "
            "highest run, or one standard deviation either side of the mean; or each run apart"
        )
        self.band.currentIndexChanged.connect(lambda _i: self._redraw())
        self.scores = ScoresTable()
        x_row = QHBoxLayout()
        x_row.addStretch(1)
        x_row.addWidget(QLabel("seed band:"))
        x_row.addWidget(self.band)
        x_row.addWidget(QLabel("x axis:"))
        x_row.addWidget(self.x_axis)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(x_row)
        layout.addWidget(self.loss_plot, 5)
        layout.addWidget(self.acc_plot, 6)  # the x axis's name is under it
        layout.addWidget(self.scores)
        palette.follow(self._apply_theme)

    def _apply_theme(self, theme: palette.Theme) -> None:
        style_plots(theme, self.loss_plot, self.acc_plot)

    def show_runs(self, runs: Sequence[RunRecord], epochs: Mapping[int, Sequence[EpochEnd]]) -> None:
        """Compare ``runs`` (RunRecords, in this order) with their ``epochs`` by run id."""
        self._runs, self._epochs = list(runs), dict(epochs)
        self._redraw()

    def _redraw(self) -> None:
        runs, epochs = self._runs, self._epochs
        self.clear()
        self._runs, self._epochs = runs, epochs
        kind = self.band.currentData()
        self.entries = entries(runs, epochs, group_seeds=kind != "apart")
        scale, unit = time_unit([(r.name, epochs.get(r.id, ())) for r in runs])
        by_time = self.x_axis.currentData() == "time"
        for plot in (self.loss_plot, self.acc_plot):
            plot.setLabel("bottom", f"wall time ({unit})" if by_time else "epoch")
        self.loss_plot.getAxis("bottom").showLabel(False)  # setLabel shows it again
        for entry in self.entries:
            color = entry_color(entry)
            run_id = entry.color_run.id
            style = {
                "pen": pg.mkPen(color, width=2),
                "symbol": SYMBOLS[(run_id - 1) // len(palette.RUN_COLORS) % len(SYMBOLS)],
                "symbolSize": 6,
                "symbolBrush": color,
                "symbolPen": color,
                "name": entry.label,
            }
            for plot, curves, metric in (
                (self.loss_plot, self.loss_curves, "loss"),
                (self.acc_plot, self.acc_curves, "test_acc"),
            ):
                spread = entry.curve(metric)
                x = _x(entry, spread.epochs, scale, by_time)
                curves.append(plot.plot(x, list(spread.mean), **style))
                if entry.group:
                    self._add_band(plot, x, spread.band(kind), color)
        self.scores.show_entries(self.entries, [entry_color(e) for e in self.entries])
        for plot in (self.loss_plot, self.acc_plot):
            plot.enableAutoRange()

    def _add_band(
        self, plot: pg.PlotWidget, x: list[float], edges: tuple[Sequence[float], ...], color: palette.Rgb
    ) -> None:
        low, high = (pg.PlotDataItem(x, list(edge), pen=pg.mkPen(None)) for edge in edges)
        fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(*color, BAND_ALPHA))
        for item in (low, high, fill):
            plot.addItem(item)
            self._extras.append((plot, item))
        self.bands.append(fill)

    def clear(self) -> None:
        """No curves."""
        self._runs, self._epochs, self.entries = [], {}, []
        for plot, curves in ((self.loss_plot, self.loss_curves), (self.acc_plot, self.acc_curves)):
            for curve in curves:
                plot.removeItem(curve)
            curves.clear()
        for plot, item in self._extras:
            plot.removeItem(item)
        self._extras.clear()
        self.bands.clear()
        self.scores.show_entries([], [])

    def legend_names(self) -> list[str]:
        """The names in the loss plot's legend, in order."""
        legend = self.loss_plot.getPlotItem().legend
        return [label.text for _, label in legend.items] if legend is not None else []

    def curve_colors(self) -> list[palette.Rgb]:
        """The colour of each curve of the loss plot, in the legend's order."""
        return [tuple(c.opts["pen"].color().getRgb()[:3]) for c in self.loss_curves]


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
        for row, key in enumerate(differences):
            spec = SPECS.get(key)
            header = QTableWidgetItem(spec.label if spec is not None else key)
            header.setData(Qt.ItemDataRole.UserRole, key)
            header.setToolTip(f"{key}: {spec.help}" if spec is not None else key)
            self.setVerticalHeaderItem(row, header)
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
        """The table as shown: dotted setting -> cell texts (empty when only a note is shown)."""
        if self._note:
            return {}

        def text(item: QTableWidgetItem | None) -> str:
            return item.text() if item is not None else ""

        def key(row: int) -> str:
            item = self.verticalHeaderItem(row)
            return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

        return {key(r): [text(self.item(r, c)) for c in range(self.columnCount())] for r in range(self.rowCount())}
