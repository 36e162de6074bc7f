"""The data behind the Training tab's curves: points per curve, smoothing, and SVG drawing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

INITIAL_CAPACITY = 1024


def ema(values: Sequence[float], weight: float, start: Sequence[float] = ()) -> list[float]:
    """Exponential moving average of ``values`` (``weight`` of the previous value kept at each step).

    ``start`` is an already smoothed prefix of ``values``; only the rest is computed.
    """
    if not len(values):
        return list(start)
    last = start[-1] if len(start) else values[0]
    return [*start, *ema_continue(values[len(start) :], weight, last)]


def ema_continue(values: Sequence[float], weight: float, last: float) -> list[float]:
    """The moving average of ``values`` going on from the smoothed value ``last``."""
    out = []
    for v in values:
        last = weight * last + (1.0 - weight) * v
        out.append(last)
    return out


def render_svg(widget: pg.PlotWidget, path: Path) -> None:
    """Draw ``widget``'s scene into an SVG file with QSvgGenerator."""
    from PySide6.QtSvg import QSvgGenerator

    rect = widget.sceneRect()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(rect.size().toSize())
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    generator.setTitle(widget.getPlotItem().titleLabel.text or "plot")
    painter = QPainter(generator)
    try:
        widget.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    finally:
        painter.end()


class Series:
    """The points behind one curve, in growing numpy buffers (a week of batches is over a million).

    ``long`` curves draw only what is in view, thinned to about one point per pixel (pyqtgraph's
    clip-to-view and peak downsampling), so a redraw costs the same after a minute or a week.
    """

    def __init__(self, name: str, curve: pg.PlotDataItem, long: bool = False) -> None:
        self.name = name
        self.curve = curve
        self._x = np.empty(INITIAL_CAPACITY)
        self._y = np.empty(INITIAL_CAPACITY)
        self._n = 0
        if long:
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            curve.setSkipFiniteCheck(True)

    @property
    def x(self) -> np.ndarray:
        """The points' x values (a view, valid until the next append)."""
        return self._x[: self._n]

    @property
    def y(self) -> np.ndarray:
        """The points' y values (a view, valid until the next append)."""
        return self._y[: self._n]

    def __len__(self) -> int:
        return self._n

    def append(self, x: float, y: float) -> None:
        """Add one point."""
        self.extend(np.array([x]), np.array([y]))

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Add points, growing the buffers by doubling."""
        need = self._n + len(xs)
        if need > len(self._x):
            size = max(need, 2 * len(self._x))
            self._x, self._y = np.resize(self._x, size), np.resize(self._y, size)
        self._x[self._n : need], self._y[self._n : need] = xs, ys
        self._n = need

    def truncate(self, n: int) -> None:
        """Keep the first ``n`` points."""
        self._n = min(self._n, n)

    def clear(self) -> None:
        """Forget every point."""
        self._n = 0

    def push(self) -> None:
        """Hand the points to the curve."""
        self.curve.setData(self.x, self.y)

    def nearest(self, x: float) -> int | None:
        """Index of the point whose x is closest to ``x`` (None when empty)."""
        if not self._n:
            return None
        xs = self.x
        i = int(np.searchsorted(xs, x))
        if i >= len(xs):
            return len(xs) - 1
        if i > 0 and x - xs[i - 1] < xs[i] - x:
            return i - 1
        return i
