"""The data behind the Training tab's curves: points per curve, smoothing, and SVG drawing."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

INITIAL_CAPACITY = 1024
DISPLAY_POINTS = 40_000  # beyond this, a long curve is drawn from min/max bins
POINTS_PER_EPOCH = 50  # the smoothing weight is per 1/50 of an epoch


def ema(values: Sequence[float], weight: float) -> list[float]:
    """The debiased exponential moving average of ``values``, one step per value (see ``Ema``)."""
    return Ema(weight, by_epoch=False).feed(range(len(values)), values)


@dataclass
class Ema:
    """A debiased exponential moving average, fed a few points at a time.

    A plain EMA started at 0 leans toward 0, and one started at the first value leans toward that
    value for a long while (TensorBoard issues 610 and 1518). Dividing by the weight the average
    has handed out so far removes the lean: from the first point on, each counts as the weights say.
    ``by_epoch``: ``weight`` is what a step of ``1 / POINTS_PER_EPOCH`` epoch keeps and a longer step
    keeps less, so a run is smoothed alike however often it reports and a small data set reporting
    once per epoch is barely smoothed; otherwise every point is one step.
    """

    weight: float
    by_epoch: bool = True
    total: float = 0.0
    norm: float = 0.0
    last_x: float | None = None

    def feed(self, xs: Iterable[float], ys: Iterable[float]) -> list[float]:
        """The smoothed values of the next points (x in epochs, y the raw values)."""
        out = []
        for x, y in zip(xs, ys, strict=True):
            w = self.weight
            if self.by_epoch and self.last_x is not None:
                w = self.weight ** max(0.0, (x - self.last_x) * POINTS_PER_EPOCH)
            self.total = w * self.total + (1.0 - w) * y
            self.norm = w * self.norm + (1.0 - w)
            self.last_x = x
            out.append(self.total / self.norm if self.norm > 0 else float(y))
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


def readout(
    x: float,
    batch_loss: Series,
    smoothed: Series,
    epoch_loss: Series,
    test_loss: Series,
    train_acc: Series,
    test_acc: Series,
    lr: Series,
) -> str:
    """The hover line at epoch ``x``: the nearest batch loss, the nearest epoch's metrics, the learning rate."""
    parts = []
    i = batch_loss.nearest(x)
    if i is not None:
        text = f"epoch {batch_loss.x[i]:.2f}: batch loss {batch_loss.y[i]:.4f}"
        if i < len(smoothed.y):
            text += f" (smoothed {smoothed.y[i]:.4f})"
        parts.append(text)
    j = epoch_loss.nearest(x)
    if j is not None:
        epoch = epoch_loss.x[j]
        text = f"epoch {epoch:g}: loss {epoch_loss.y[j]:.4f}"
        # Test curves lack the epochs a run does not score (and older runs' test loss), so match by epoch.
        for label, series, digits in (
            ("test loss", test_loss, 4),
            ("train acc", train_acc, 3),
            ("test acc", test_acc, 3),
        ):
            value = series.at(epoch)
            text += "" if value is None else f", {label} {value:.{digits}f}"
        parts.append(text)
    k = lr.nearest(x)
    if k is not None:
        parts.append(f"lr {lr.y[k]:.3g}")
    return "   ·   ".join(parts) if parts else f"epoch {x:.2f}: no data yet"


def epoch_series(plot: pg.PlotWidget, name: str, color: tuple[int, int, int], symbol: str) -> Series:
    """A curve of one point per epoch on ``plot``: a line with a marker at each point."""
    pen = pg.mkPen(color, width=2)
    return Series(name, plot.plot(name=name, pen=pen, symbol=symbol, symbolSize=7, symbolBrush=color))


class Series:
    """The points behind one curve, in growing numpy buffers (a week of batches is over a million).

    A ``long`` curve is handed to pyqtgraph as at most ``DISPLAY_POINTS`` points: beyond that, whole
    bins of a power-of-two number of points become their minimum and maximum (spikes stay
    visible), kept from one redraw to the next so only new bins are computed; pyqtgraph then draws
    only what is in view, about one point per pixel. A redraw so costs about the same after a
    minute or a week. The full points stay here, for the hover read-out and the CSV export.
    """

    def __init__(self, name: str, curve: pg.PlotDataItem, long: bool = False) -> None:
        self.name = name
        self.curve = curve
        self.long = long
        self._x = np.empty(INITIAL_CAPACITY)
        self._y = np.empty(INITIAL_CAPACITY)
        self._n = 0
        self._bin = 1  # points per display bin
        self._binned_x: list[np.ndarray] = []
        self._binned_y: list[np.ndarray] = []
        self._binned = 0  # points already in the display bins
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
            grown_x, grown_y = np.empty(size), np.empty(size)
            grown_x[: self._n], grown_y[: self._n] = self.x, self.y
            self._x, self._y = grown_x, grown_y
        self._x[self._n : need], self._y[self._n : need] = xs, ys
        self._n = need

    def truncate(self, n: int) -> None:
        """Keep the first ``n`` points."""
        self._n = min(self._n, n)
        self._forget_bins()

    def clear(self) -> None:
        """Forget every point."""
        self._n = 0
        self._forget_bins()

    def _forget_bins(self) -> None:
        self._bin, self._binned, self._binned_x, self._binned_y = 1, 0, [], []

    def display(self) -> tuple[np.ndarray, np.ndarray]:
        """The points to hand to pyqtgraph (see the class's description)."""
        n = self._n
        if not self.long or n <= DISPLAY_POINTS:
            return self.x, self.y
        size = 1 << math.ceil(math.log2(2 * n / DISPLAY_POINTS))
        if size != self._bin:
            self._forget_bins()
            self._bin = size
        whole = n // size * size
        if whole > self._binned:
            ys = self._y[self._binned : whole].reshape(-1, size)
            self._binned_x.append(np.repeat(self._x[self._binned : whole : size], 2))
            self._binned_y.append(np.column_stack([ys.min(axis=1), ys.max(axis=1)]).ravel())
            self._binned = whole
        return (
            np.concatenate([*self._binned_x, self._x[whole:n]]),
            np.concatenate([*self._binned_y, self._y[whole:n]]),
        )

    def push(self) -> None:
        """Hand the points to the curve."""
        self.curve.setData(*self.display())

    def at(self, x: float) -> float | None:
        """The y of the point at exactly ``x`` (None when there is none)."""
        i = self.nearest(x)
        return float(self.y[i]) if i is not None and self.x[i] == x else None

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
