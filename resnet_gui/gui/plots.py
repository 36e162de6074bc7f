"""The Training tab's two plots: loss, and train/test accuracy.

Curves are created once. Events append to plain lists and mark the plot dirty; a timer pushes
the lists to the curves at most every ``REFRESH_MS``, so a burst of events costs one redraw.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..events import BatchEnd, EpochEnd

REFRESH_MS = 150


class _Series:
    """x and y lists behind one curve."""

    def __init__(self, curve: pg.PlotDataItem) -> None:
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


class TrainingPlots(QWidget):
    """Loss per batch and per epoch (x in epochs); train and test accuracy per epoch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(title="Loss")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.addLegend(offset=(-10, 10))
        self.acc_plot = pg.PlotWidget(title="Accuracy")
        self.acc_plot.setLabel("bottom", "epoch")
        self.acc_plot.setLabel("left", "accuracy")
        self.acc_plot.addLegend(offset=(-10, -10))
        self.acc_plot.setXLink(self.loss_plot)
        for plot in (self.loss_plot, self.acc_plot):
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)

        self.batch_loss = _Series(self.loss_plot.plot(
            name="batch loss", pen=pg.mkPen((120, 160, 220), width=1)))
        self.epoch_loss = _Series(self.loss_plot.plot(
            name="epoch loss", pen=pg.mkPen((31, 119, 180), width=2), symbol="o", symbolSize=7,
            symbolBrush=(31, 119, 180)))
        self.train_acc = _Series(self.acc_plot.plot(
            name="train acc", pen=pg.mkPen((255, 127, 14), width=2), symbol="o", symbolSize=7,
            symbolBrush=(255, 127, 14)))
        self.test_acc = _Series(self.acc_plot.plot(
            name="test acc", pen=pg.mkPen((44, 160, 44), width=2), symbol="s", symbolSize=7,
            symbolBrush=(44, 160, 44)))
        self._series = (self.batch_loss, self.epoch_loss, self.train_acc, self.test_acc)
        self._dirty = False

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._update_curves)
        self._timer.start()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot, 1)
        layout.addWidget(self.acc_plot, 1)

    def add_batch(self, event: BatchEnd) -> None:
        """Record a batch loss at its fractional epoch."""
        x = event.epoch - 1 + event.batch / max(event.batches, 1)
        self.batch_loss.append(x, event.loss)
        self._dirty = True

    def add_epoch(self, event: EpochEnd) -> None:
        """Record an epoch's loss and accuracies."""
        self.epoch_loss.append(event.epoch, event.loss)
        self.train_acc.append(event.epoch, event.train_acc)
        self.test_acc.append(event.epoch, event.test_acc)
        self._dirty = True

    def clear(self) -> None:
        """Forget every point (a new run starts)."""
        for series in self._series:
            series.clear()
        self._dirty = True
        self._update_curves()

    def flush(self) -> None:
        """Push pending points to the curves now."""
        self._update_curves()

    def epoch_points(self) -> int:
        """Number of epoch points drawn."""
        x, _ = self.epoch_loss.curve.getData()
        return 0 if x is None else len(x)

    def _update_curves(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        for series in self._series:
            series.push()
