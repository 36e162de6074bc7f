"""An experiment's plots: each varied setting against best test accuracy, every trial across all
settings (parallel coordinates), and each setting's importance (Optuna's fANOVA) as bars.

Each trial is drawn in its run's colour (``palette.run_color``), as on the Runs tab; a setting
varied over a log range gets a log axis; settings that are not numbers get one tick per value.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from ....settings.config import SPECS
from ....settings.fields import format_value
from ...widgets import palette
from ...widgets.plot_axes import plot_widget
from ...widgets.plot_style import style_plots

POINT_SIZE = 11
ACC = "best test accuracy"


def trial_rgb(row: Any, colors: dict[int, str]) -> palette.Rgb:
    """The colour a trial is drawn in: its run's (a grey before it has one)."""
    if row.run_id is None:
        return (150, 150, 150)
    return palette.run_color(row.run_id, colors.get(row.run_id, ""))


def axis_values(param: Any, rows: list[Any]) -> tuple[list[float | None], list[tuple[float, str]] | None]:
    """Each row's position on the setting's axis, and the ticks of a setting that is not a number
    (one per value, in the sweep's order), else None."""
    key = param.key
    numeric = SPECS[key].kind in ("int", "float")
    if numeric:
        return [None if r.params.get(key) is None else float(r.params[key]) for r in rows], None
    order = [format_value(v) for v in param.values]
    for r in rows:
        text = format_value(r.params.get(key))
        if r.params.get(key) is not None and text not in order:
            order.append(text)
    spots = [None if r.params.get(key) is None else float(order.index(format_value(r.params[key]))) for r in rows]
    return spots, [(float(i), t) for i, t in enumerate(order)]


def log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks of a log axis from ``low`` to ``high``: 1, 2 and 5 times each power of ten (only the powers
    of ten over more than two decades), at their log10 as pyqtgraph's log mode places them."""
    steps = (1.0,) if math.log10(high / low) > 2 else (1.0, 2.0, 5.0)
    out = []
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for step in steps:
            value = step * 10.0**power
            if low / 1.01 <= value <= high * 1.01:
                out.append((math.log10(value), f"{value:g}"))
    return out


def _plot(title: str) -> pg.PlotWidget:
    plot = plot_widget(title)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setMenuEnabled(False)
    return plot


class TrialPlots(QTabWidget):
    """By setting, Parallel coordinates and Importance, each following the theme."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: Any = None
        self.scatters: dict[str, pg.PlotWidget] = {}
        self.by_setting = QWidget()
        self._grid = QGridLayout(self.by_setting)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.parallel = _plot("Every trial across the settings")
        self.parallel.getAxis("left").setLabel("position in the setting's range")
        self.importance = _plot("Importance of each setting (fANOVA)")
        self.importance.getAxis("bottom").setLabel("share of the variance in best test accuracy")
        self.importance_note = QLabel()
        self.importance_note.setWordWrap(True)
        palette.set_tone(self.importance_note, "muted")
        importance_page = QWidget()
        page = QVBoxLayout(importance_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.importance_note)
        page.addWidget(self.importance, 1)
        self.addTab(self.by_setting, "By setting")
        self.addTab(self.parallel, "Parallel coordinates")
        self.addTab(importance_page, "Importance")
        self.bars: pg.BarGraphItem | None = None
        palette.follow(self._apply_theme)

    def _apply_theme(self, theme: palette.Theme) -> None:
        style_plots(theme, self.parallel, self.importance, *self.scatters.values())
        if self.view is not None:
            self.show_view(self.view)

    def show_view(self, view: Any) -> None:
        """Draw ``view``'s trials (an ExperimentView), or nothing for None."""
        self.view = view
        rows = [r for r in view.rows if r.best_test_acc is not None] if view is not None else []
        params = list(view.sweep.params) if view is not None else []
        colors = dict(view.colors) if view is not None else {}
        self._draw_scatters(params, rows, colors)
        self._draw_parallel(params, rows, colors)
        self._draw_importance(view)

    def _draw_scatters(self, params: list[Any], rows: list[Any], colors: dict[int, str]) -> None:
        keys = [p.key for p in params]
        if list(self.scatters) != keys:
            for plot in self.scatters.values():
                self._grid.removeWidget(plot)
                plot.deleteLater()
            self.scatters = {k: _plot(SPECS[k].label) for k in keys}
            columns = 1 if len(keys) == 1 else 2
            for i, plot in enumerate(self.scatters.values()):
                self._grid.addWidget(plot, i // columns, i % columns)
            style_plots(palette.current(), *self.scatters.values())
        for param in params:
            plot = self.scatters[param.key]
            plot.clear()
            plot.setLabel("left", ACC)
            plot.setLabel("bottom", param.key)
            xs, ticks = axis_values(param, rows)
            log = param.is_range and param.log
            plot.setLogMode(x=log, y=False)
            if log:
                ticks = log_ticks(float(param.low), float(param.high))
            plot.getAxis("bottom").setTicks([ticks] if ticks is not None else None)
            shown = [(x, r) for x, r in zip(xs, rows, strict=True) if x is not None and (x > 0 or not log)]
            plot.plot(  # a PlotDataItem: the plot's log mode applies to it
                [x for x, _r in shown],
                [r.best_test_acc for _x, r in shown],
                pen=None,
                symbol=["t" if r.state == "pruned" else "o" for _x, r in shown],
                symbolBrush=[pg.mkBrush(*trial_rgb(r, colors)) for _x, r in shown],
                symbolPen=None,
                symbolSize=POINT_SIZE,
            )

    def _draw_parallel(self, params: list[Any], rows: list[Any], colors: dict[int, str]) -> None:
        plot = self.parallel
        plot.clear()
        fg = palette.current().plot_foreground
        names = [p.key for p in params] + [ACC]
        columns: list[list[float | None]] = []
        ranges: list[tuple[str, str]] = []
        for param in params:
            xs, ticks = axis_values(param, rows)
            log = param.is_range and param.log
            shown = [math.log10(x) if (log and x is not None and x > 0) else x for x in xs]
            columns.append(_normalised(shown))
            if ticks is not None:
                ranges.append((ticks[0][1], ticks[-1][1]))
            else:
                present = [x for x in xs if x is not None]
                ranges.append((f"{min(present):.3g}", f"{max(present):.3g}") if present else ("", ""))
        accs = [r.best_test_acc for r in rows]
        columns.append(_normalised(accs))
        present_acc = [a for a in accs if a is not None]
        ranges.append((f"{min(present_acc):.4f}", f"{max(present_acc):.4f}") if present_acc else ("", ""))
        for i, (low, high) in enumerate(ranges):
            plot.addItem(pg.InfiniteLine(pos=i, angle=90, pen=pg.mkPen((*fg, 120))))
            for y, text in ((-0.04, low), (1.04, high)):
                label = pg.TextItem(text, color=fg, anchor=(0.5, 0.5))
                label.setPos(i, y)
                plot.addItem(label)
        for j, row in enumerate(rows):
            ys = [col[j] for col in columns]
            pairs = [(float(i), y) for i, y in enumerate(ys) if y is not None]
            style = Qt.PenStyle.DashLine if row.state == "pruned" else Qt.PenStyle.SolidLine
            rgb = trial_rgb(row, colors)
            pen = pg.mkPen(rgb, width=2, style=style)
            xs_, ys_ = [p[0] for p in pairs], [p[1] for p in pairs]
            plot.plot(xs_, ys_, pen=pen, symbol="o", symbolSize=5, symbolBrush=pg.mkBrush(*rgb), symbolPen=None)
        plot.getAxis("bottom").setTicks([[(float(i), n) for i, n in enumerate(names)]])
        plot.setXRange(-0.3, len(names) - 0.7, padding=0)
        plot.setYRange(-0.1, 1.1, padding=0)

    def _draw_importance(self, view: Any) -> None:
        plot = self.importance
        plot.clear()
        shares = dict(view.importances) if view is not None else {}
        note = view.importance_note if view is not None else "No experiment yet."
        self.importance_note.setText(note)
        self.importance_note.setVisible(bool(note))
        if not shares:
            self.bars = None
            plot.getAxis("left").setTicks([[]])
            return
        keys = list(reversed(list(shares)))  # the largest on top
        self.bars = pg.BarGraphItem(
            x0=0,
            y=list(range(len(keys))),
            height=0.6,
            width=[shares[k] for k in keys],
            brush=pg.mkBrush(*palette.current().heat_high),
        )
        plot.addItem(self.bars)
        plot.getAxis("left").setTicks([[(float(i), SPECS[k].label) for i, k in enumerate(keys)]])
        plot.setXRange(0, 1, padding=0.02)
        plot.setYRange(-0.6, len(keys) - 0.4, padding=0)


def _normalised(values: list[float | None]) -> list[float | None]:
    """Values scaled to 0..1 (all equal: 0.5), None kept."""
    present = [v for v in values if v is not None]
    if not present:
        return list(values)
    low, high = min(present), max(present)
    return [None if v is None else (0.5 if high == low else (v - low) / (high - low)) for v in values]
