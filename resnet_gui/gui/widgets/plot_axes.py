"""Plots whose value axis keeps its labels apart however short the plot is drawn.

pyqtgraph always puts at least 2.25 intervals of major ticks on an axis and labels them all, so a
plot squeezed to 50 px of height (the Training tab's learning-rate plot at the default window size)
printed six labels over each other. ``RoomyAxis`` widens the spacing, from the same 1-2-5 series,
until every label has room.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

# The least distance between two labels' centres: their text height times this, leaving a gap.
LABEL_ROOM = 1.15


def next_nice(spacing: float) -> float:
    """The next spacing of the 1-2-5 series after ``spacing`` (0.2 -> 0.5 -> 1 -> 2)."""
    power = 10.0 ** math.floor(math.log10(spacing))
    mantissa = round(spacing / power)
    return (2 if mantissa < 2 else 5 if mantissa < 5 else 10) * power


class RoomyAxis(pg.AxisItem):
    """A vertical axis whose labelled ticks lie at least a label's height and a gap apart."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:  # noqa: N802
        levels = list(super().tickSpacing(minVal, maxVal, size))
        if not levels or self.orientation not in ("left", "right") or size <= 0:
            return levels
        room = _text_height(self) * LABEL_ROOM
        spacing = levels[0][0]
        span = abs(maxVal - minVal)
        if size * spacing / span >= room:
            return levels
        while size * spacing / span < room and span / spacing > 1:
            spacing = next_nice(spacing)
        return [(spacing, 0.0)]  # the minor levels' labels would crowd it again


def _text_height(axis: pg.AxisItem) -> float:
    """The height of the axis's tick labels in pixels (its tick font, else the widget font)."""
    font = axis.style.get("tickFont") or axis.font()
    return QFontMetricsF(font).height()


def plot_widget(title: str | None = None) -> pg.PlotWidget:
    """A PlotWidget with a roomy value axis and plain numbers (no SI prefixes) on both axes."""
    plot = pg.PlotWidget(title=title, axisItems={"left": RoomyAxis("left")})
    for side in ("left", "bottom"):
        plot.getAxis(side).enableAutoSIPrefix(False)
    return plot
