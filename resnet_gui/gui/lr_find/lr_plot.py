"""The range test's plot: loss against the learning rate on a log axis, the rules' picks, a clicked point.

The curves are created once and given their points with ``setData`` as the test streams. Each
rule's suggestion is a marker with a label naming the rule; a click anywhere on the plot chooses
the recorded rate nearest to it (in log lr), marked by a vertical line.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...training.lr_rules import STEEPEST, VALLEY
from ..qt_compat import emit
from ..widgets import palette
from ..widgets.plot_axes import plot_widget
from ..widgets.plot_style import style_plots

RULE_COLORS = {VALLEY: palette.GREEN, STEEPEST: palette.YELLOW}
CHOSEN_COLOR = palette.RED
CLIP_ABOVE_START = 1.5  # the loss axis ends this many times the starting loss


class LrPlot(QWidget):
    """Loss (raw points, smoothed curve) against the rate; emits ``point_chosen(lr)`` on a click."""

    point_chosen = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plot_widget("Loss against learning rate")
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "loss")
        # Bottom left: the test starts at the top of the loss axis and falls, then diverges at the right.
        self.plot.addLegend(offset=(10, -10))
        self.plot.setMenuEnabled(False)
        self.raw = self.plot.plot(name="batch loss", pen=None, symbol="o", symbolSize=4)
        self.smoothed = self.plot.plot(name="smoothed", pen=pg.mkPen(palette.SMOOTHED_LOSS, width=2))
        self.smoothed.setZValue(5)
        self.markers: dict[str, pg.ScatterPlotItem] = {}
        self.labels: dict[str, pg.TextItem] = {}
        for rule, color in RULE_COLORS.items():
            marker = pg.ScatterPlotItem(size=11, symbol="d", pen=pg.mkPen(color, width=2), brush=pg.mkBrush(color))
            marker.setZValue(10)
            label = pg.TextItem(rule, color=color, anchor=(0.5, 1.3))
            self.plot.addItem(marker)
            self.plot.addItem(label)
            self.markers[rule], self.labels[rule] = marker, label
        self.chosen_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(CHOSEN_COLOR, width=1, style=Qt.PenStyle.DashLine))
        self.chosen_line.setZValue(8)
        self.plot.addItem(self.chosen_line, ignoreBounds=True)
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.smoothed_losses: list[float] = []
        self.clear()
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        palette.follow(self.apply_theme)

    def apply_theme(self, theme: palette.Theme) -> None:
        """Colour the plot and the raw points for ``theme``."""
        style_plots(theme, self.plot)
        color = (*theme.raw_batch_loss, theme.raw_batch_alpha)
        self.raw.setSymbolBrush(pg.mkBrush(color))
        self.raw.setSymbolPen(pg.mkPen(color))

    def clear(self) -> None:
        """No points, no marks: ready for a new test."""
        self.lrs, self.losses, self.smoothed_losses = [], [], []
        self.raw.setData([], [])
        self.smoothed.setData([], [])
        self.plot.enableAutoRange(axis="y")
        for rule in RULE_COLORS:
            self.markers[rule].setData([], [])
            self.labels[rule].hide()
        self.chosen_line.hide()

    def add_point(self, lr: float, loss: float, smoothed: float) -> None:
        """One more batch of the test."""
        self.lrs.append(lr)
        self.losses.append(loss)
        self.smoothed_losses.append(smoothed)
        self.raw.setData(self.lrs, self.losses)
        self.smoothed.setData(self.lrs, self.smoothed_losses)
        self._fit_losses()

    def show_curve(self, lrs: list[float], losses: list[float], smoothed: list[float]) -> None:
        """The whole curve at once (the test's result)."""
        self.lrs, self.losses, self.smoothed_losses = list(lrs), list(losses), list(smoothed)
        self.raw.setData(self.lrs, self.losses)
        self.smoothed.setData(self.lrs, self.smoothed_losses)
        self._fit_losses()

    def _fit_losses(self) -> None:
        """Show the losses up to half again the starting loss: the blow-up at the end would flatten the rest."""
        if not self.losses:
            return
        start = max(self.smoothed_losses[: len(self.smoothed_losses) // 10 + 1])
        top = min(max(self.losses), CLIP_ABOVE_START * start)
        bottom = min(self.losses)
        margin = 0.05 * (top - bottom or 1.0)
        self.plot.setYRange(bottom - margin, top + margin, padding=0)

    def mark_suggestions(self, suggestions: dict[str, float]) -> None:
        """A marker and the rule's name at each rule's rate, on the smoothed curve."""
        for rule in RULE_COLORS:
            lr = suggestions.get(rule)
            if lr is None or not self.lrs:
                self.markers[rule].setData([], [])
                self.labels[rule].hide()
                continue
            loss = self.smoothed_losses[self.nearest(lr)]
            # Items added to the plot (not its curves) are placed in view coordinates: log10(lr) on this axis.
            self.markers[rule].setData([math.log10(lr)], [loss])
            self.labels[rule].setPos(math.log10(lr), loss)
            self.labels[rule].show()

    def mark_chosen(self, lr: float) -> None:
        """The vertical line at the chosen rate."""
        self.chosen_line.setValue(math.log10(lr))
        self.chosen_line.show()

    def nearest(self, lr: float) -> int:
        """The index of the recorded rate nearest ``lr`` in log lr."""
        target = math.log10(lr)
        return min(range(len(self.lrs)), key=lambda i: abs(math.log10(self.lrs[i]) - target))

    def view_point(self, index: int) -> QPoint:
        """Where the smoothed curve's point ``index`` is, in the plot widget's own coordinates."""
        view = self.plot.getPlotItem().getViewBox()
        scene = view.mapViewToScene(QPointF(math.log10(self.lrs[index]), self.smoothed_losses[index]))
        return self.plot.mapFromScene(scene)

    def _on_clicked(self, event: object) -> None:
        if not self.lrs:
            return
        view = self.plot.getPlotItem().getViewBox()
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        if not view.sceneBoundingRect().contains(scene_pos):
            return
        x = view.mapSceneToView(scene_pos).x()
        lr = self.lrs[self.nearest(10.0**x)]
        self.mark_chosen(lr)
        emit(self.point_chosen, lr)
