"""The data behind the Training tab's curves: point lists per curve, smoothing, and SVG drawing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter


def ema(values: Sequence[float], weight: float, start: Sequence[float] = ()) -> list[float]:
    """Exponential moving average of ``values`` (``weight`` of the previous value kept at each step).

    ``start`` is an already smoothed prefix of ``values``; only the rest is computed.
    """
    out = list(start)
    last = out[-1] if out else (values[0] if len(values) else 0.0)
    for v in values[len(out):]:
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
    """x and y lists behind one curve."""

    def __init__(self, name: str, curve: pg.PlotDataItem) -> None:
        self.name = name
        self.curve = curve
        self.x: list[float] = []
        self.y: list[float] = []

    def append(self, x: float, y: float) -> None:
        self.x.append(x)
        self.y.append(y)

    def clear(self) -> None:
        self.x.clear()
        self.y.clear()

    def push(self) -> None:
        self.curve.setData(self.x, self.y)

    def nearest(self, x: float) -> int | None:
        """Index of the point whose x is closest to ``x`` (None when empty)."""
        if not self.x:
            return None
        xs = np.asarray(self.x)
        i = int(np.searchsorted(xs, x))
        if i >= len(xs):
            return len(xs) - 1
        if i > 0 and x - xs[i - 1] < xs[i] - x:
            return i - 1
        return i
