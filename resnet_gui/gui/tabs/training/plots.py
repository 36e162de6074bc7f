"""The Training tab's plots: train and test loss, train and test accuracy, and the learning rate.

Curves are created once. Events append to plain lists and mark the plot dirty; a timer pushes
the lists to the curves at most every ``REFRESH_MS``, so a burst of events costs one redraw.
A toolbar switches the loss axis to a log scale, smooths the batch loss (an exponential moving
average drawn over the faint raw points) and exports either plot as PNG, SVG or CSV; hovering
over a plot shows the values under the mouse.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtWidgets import (
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ....training.events import BatchEnd, EpochEnd
from ...widgets import palette
from ...widgets.file_dialogs import ask_save_path
from ...widgets.plot_axes import plot_widget
from ...widgets.plot_style import drawn_in, style_plots
from . import plot_exports
from .change_markers import ChangeMarkers
from .plot_exports import FORMATS
from .plot_series import Ema, epoch_series, readout
from .plot_series import Series as _Series
from .plot_toolbar import DEFAULT_SMOOTHING, MAX_SMOOTHING, make_tools
from .run_titles import RunTitles

if TYPE_CHECKING:
    from ...session.run_session import RunSession

REFRESH_MS = 150
PLOTS = ("loss", "accuracy", "lr")
TITLES = {"loss": "Loss", "accuracy": "Accuracy", "lr": "Learning rate"}
READOUT_HINT = "Hover over a plot to read its values."


class TrainingPlots(QWidget):
    """Loss per batch and per epoch with the test loss, accuracies per epoch, the learning rate (x in epochs)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = plot_widget("Loss")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLabel("left", "loss")
        # Two columns and thin margins: four entries in one column reach down over the curves of a short plot.
        self.loss_plot.addLegend(offset=(-10, 6), colCount=2).layout.setContentsMargins(4, 2, 4, 2)
        self.acc_plot = plot_widget("Accuracy")
        self.acc_plot.setLabel("bottom", "epoch")
        self.acc_plot.setLabel("left", "accuracy")
        self.acc_plot.addLegend(offset=(-10, -10))
        self.acc_plot.setXLink(self.loss_plot)
        self.lr_plot = plot_widget("Learning rate")
        self.lr_plot.setLabel("bottom", "epoch")
        self.lr_plot.setLabel("left", "lr")
        self.lr_plot.setXLink(self.loss_plot)

        self.batch_loss = _Series(
            "batch loss",
            long=True,
            curve=self.loss_plot.plot(name="batch loss"),
        )
        self.smoothed_loss = _Series(
            "batch loss (smoothed)",
            long=True,
            curve=self.loss_plot.plot(name="batch loss (smoothed)", pen=pg.mkPen(palette.SMOOTHED_LOSS, width=2)),
        )
        self.smoothed_loss.curve.setZValue(5)
        self.epoch_loss = epoch_series(self.loss_plot, "epoch loss", palette.EPOCH_LOSS, "o")
        self.epoch_loss.curve.setZValue(10)
        self.test_loss = epoch_series(self.loss_plot, "test loss", palette.TEST_LOSS, "s")
        self.test_loss.curve.setZValue(10)
        self.train_acc = epoch_series(self.acc_plot, "train acc", palette.TRAIN_ACC, "o")
        self.test_acc = epoch_series(self.acc_plot, "test acc", palette.TEST_ACC, "s")
        # Per batch while a run trains here; per epoch for a run followed from the run history.
        self.lr = _Series(
            "learning rate", long=True, curve=self.lr_plot.plot(pen=pg.mkPen(palette.LEARNING_RATE, width=2))
        )
        self._lr_per_batch = False
        self._series = (
            self.batch_loss,
            self.smoothed_loss,
            self.epoch_loss,
            self.test_loss,
            self.train_acc,
            self.test_acc,
            self.lr,
        )
        self._dirty = False
        self._smoothing = DEFAULT_SMOOTHING
        self._ema = Ema(DEFAULT_SMOOTHING)
        self._hovering = False

        self._crosshairs: dict[pg.PlotWidget, pg.InfiniteLine] = {}
        for plot in self._plots():
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(palette.CROSSHAIR, style=Qt.PenStyle.DashLine))
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self._crosshairs[plot] = line
            plot.scene().sigMouseMoved.connect(partial(self._on_mouse_moved, plot))

        self.run_titles = RunTitles({self._plot(p): TITLES[p] for p in PLOTS}, self)
        self.change_markers = ChangeMarkers(self._plots(), self)
        self._build_toolbar()
        self.readout = QLabel(READOUT_HINT)
        self.readout.setObjectName("plot-readout")
        self._add_plot_menus()

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._update_curves)
        self._timer.start()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._toolbar)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.acc_plot, 3)
        layout.addWidget(self.lr_plot, 2)
        layout.addWidget(self.readout)
        palette.follow(self._apply_theme)

    def _build_toolbar(self) -> None:
        exports = [
            [
                (
                    f"{TITLES[plot]} {'data' if fmt == 'csv' else 'plot'} as {fmt.upper()}…",
                    partial(self._on_export, plot, fmt),
                )
                for fmt in FORMATS
            ]
            for plot in PLOTS
        ]
        t = make_tools(exports)
        self.log_check, self.smooth_slider, self.smooth_value = t.log_check, t.smooth_slider, t.smooth_value
        self.smooth_by, self.lr_check, self.export_button, self._toolbar = (
            t.smooth_by,
            t.lr_check,
            t.export_button,
            t.layout,
        )
        self.log_check.toggled.connect(self._on_log_toggled)
        self.smooth_slider.valueChanged.connect(self._on_smoothing_changed)
        self.smooth_by.currentIndexChanged.connect(lambda _i: self._on_smoothing_changed(self.smooth_slider.value()))
        self.lr_check.toggled.connect(lambda on: self.lr_plot.setVisible(on))

    def _add_plot_menus(self) -> None:
        """A "Save" submenu in each plot's right-click menu."""
        for name, plot in zip(PLOTS, self._plots(), strict=True):
            menu = plot.getPlotItem().getViewBox().menu
            save = menu.addMenu("Save")
            for fmt in FORMATS:
                save.addAction(
                    f"{'Data' if fmt == 'csv' else 'Plot'} as {fmt.upper()}…", partial(self._on_export, name, fmt)
                )

    # --- data -------------------------------------------------------------------------------

    def bind(self, session: RunSession) -> None:
        """Plot ``session``'s runs, in the window or followed."""
        session.cleared.connect(self.clear)
        self.run_titles.bind(session)
        self.change_markers.bind(session)
        session.batch_end.connect(self.add_batch)
        session.past_batches.connect(self.add_batch_points)
        session.epoch_end.connect(self.add_epoch)
        session.run_ended.connect(lambda *_: self.flush())

    def add_batch(self, event: BatchEnd) -> None:
        """Record a batch loss (and the learning rate, when the event has it) at its fractional epoch."""
        x = event.epoch - 1 + event.batch / max(event.batches, 1)
        self.batch_loss.append(x, event.loss)
        if event.lr is not None:
            self._lr_per_batch = True
            self.lr.append(x, event.lr)
        self._dirty = True

    def add_batch_points(self, points: list[tuple[float, float]]) -> None:
        """Record batch losses already known as (fractional epoch, loss), e.g. a resumed run's past."""
        if points:
            xs, losses = zip(*points, strict=True)
            self.batch_loss.extend(np.asarray(xs), np.asarray(losses))
        self._dirty = True

    def add_epoch(self, event: EpochEnd) -> None:
        """Record an epoch's losses, accuracies and (for a followed run) learning rate."""
        self.epoch_loss.append(event.epoch, event.loss)
        if event.test_loss is not None:
            self.test_loss.append(event.epoch, event.test_loss)
        if not self._lr_per_batch:
            self.lr.append(event.epoch, event.lr)
        self.train_acc.append(event.epoch, event.train_acc)
        if event.test_acc is not None:  # epochs the run does not score have no point (train.test_every)
            self.test_acc.append(event.epoch, event.test_acc)
        self._dirty = True

    def clear(self) -> None:
        """Forget every point (a new run starts)."""
        for series in self._series:
            series.clear()
        self._lr_per_batch = False
        self._dirty = True
        self._update_curves()
        for plot in self._plots():  # not the last run's axes: empty plots start over, then fit the new points
            plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        for plot in self._plots():  # after all of them: a linked x axis set later turns auto-range off again
            plot.enableAutoRange()

    def flush(self) -> None:
        """Push pending points to the curves now."""
        self._update_curves()

    def epoch_points(self) -> int:
        """Number of epoch points drawn."""
        x, _ = self.epoch_loss.curve.getData()
        return 0 if x is None else len(x)

    # --- settings ---------------------------------------------------------------------------

    @property
    def smoothing(self) -> float:
        """The EMA weight of the batch-loss smoothing (0: off)."""
        return self._smoothing

    def set_smoothing(self, weight: float) -> None:
        """Smooth the batch loss with EMA weight ``weight`` (0 to 0.99; 0 turns it off)."""
        self.smooth_slider.setValue(round(min(max(weight, 0.0), MAX_SMOOTHING) * 100))

    def set_log_loss(self, on: bool) -> None:
        """Log-scale (True) or linear loss axis."""
        self.log_check.setChecked(on)

    def _on_log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(x=False, y=on)

    def _on_smoothing_changed(self, value: int) -> None:
        self._smoothing = value / 100
        self.smooth_value.setText(f"{self._smoothing:.2f}")
        self.smoothed_loss.clear()
        self._update_raw_pen()
        self._dirty = True
        self._update_curves()

    def _apply_theme(self, theme: palette.Theme) -> None:
        style_plots(theme, *self._plots())
        self._update_raw_pen(theme)

    def _update_raw_pen(self, theme: palette.Theme | None = None) -> None:
        """Raw batch losses are faint under a smoothed curve, solid without one."""
        theme = theme or palette.current()
        alpha = theme.raw_batch_alpha if self._smoothing > 0 else 255
        self.batch_loss.curve.setPen(pg.mkPen((*theme.raw_batch_loss, alpha), width=1))

    def _update_smoothed(self) -> None:
        s, raw = self.smoothed_loss, self.batch_loss
        if self._smoothing <= 0:
            s.clear()
            return
        if len(s) > len(raw) or not len(s):  # a new run, or the smoothing changed: from the start
            s.clear()
            self._ema = Ema(self._smoothing, by_epoch=self.smooth_by.currentData() == "epoch")
        done = len(s)
        if done < len(raw):  # only the new points: the smoothed prefix is kept
            s.extend(raw.x[done:], np.asarray(self._ema.feed(raw.x[done:].tolist(), raw.y[done:].tolist())))

    def _update_curves(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self._update_smoothed()
        for series in self._series:
            series.push()

    # --- hover read-out ---------------------------------------------------------------------

    def _on_mouse_moved(self, plot: pg.PlotWidget, pos: QPointF) -> None:
        view = plot.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(pos):
            self._hide_readout()
            return
        x = view.mapSceneToView(pos).x()
        for line in self._crosshairs.values():
            line.setPos(x)
            line.setVisible(True)
        self.readout.setText(self.readout_at(x))
        self._hovering = True

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """The mouse left the plots: hide the crosshair."""
        super().leaveEvent(event)
        self._hide_readout()

    def _hide_readout(self) -> None:
        for line in self._crosshairs.values():
            line.setVisible(False)
        if self._hovering:  # a save message stays until the next hover
            self.readout.setText(READOUT_HINT)
        self._hovering = False

    def readout_at(self, x: float) -> str:
        """The values nearest to epoch ``x``: the batch loss there and the closest epoch's metrics."""
        return readout(x, *self._series)  # the order readout takes them in

    # --- export -----------------------------------------------------------------------------

    def _plots(self) -> tuple[pg.PlotWidget, ...]:
        return (self.loss_plot, self.acc_plot, self.lr_plot)

    def _plot(self, plot: str) -> pg.PlotWidget:
        if plot not in PLOTS:
            raise ValueError(f"plot must be one of {', '.join(PLOTS)}, not {plot!r}")
        return self._plots()[PLOTS.index(plot)]

    def _plot_series(self, plot: str) -> tuple[_Series, ...]:
        if plot == "loss":
            return (self.batch_loss, self.smoothed_loss, self.epoch_loss, self.test_loss)
        return (self.train_acc, self.test_acc) if plot == "accuracy" else (self.lr,)

    def export_png(self, plot: str, path: str | Path, width: int = plot_exports.EXPORT_WIDTH_PX) -> Path:
        """Save ``plot`` (one of ``PLOTS``) as a PNG image ``width`` pixels wide, in the light theme."""
        self.flush()
        with drawn_in(palette.EXPORT, self._apply_theme):
            return plot_exports.export_png(self._plot(plot), path, width)

    def export_svg(self, plot: str, path: str | Path) -> Path:
        """Save ``plot`` (one of ``PLOTS``) as an SVG drawing, in the light theme."""
        self.flush()
        with drawn_in(palette.EXPORT, self._apply_theme):
            return plot_exports.export_svg(self._plot(plot), path)

    def export_csv(self, plot: str, path: str | Path) -> Path:
        """Save the points of ``plot``'s curves as CSV: a header, then one row per point."""
        self._plot(plot)
        self.flush()
        return plot_exports.export_csv(self._plot_series(plot), plot, path)

    def export(self, plot: str, path: str | Path) -> Path:
        """Save ``plot`` (one of ``PLOTS``) as PNG, SVG or CSV, by the file's suffix."""
        fmt = Path(path).suffix.lstrip(".").lower()
        exporters = {"png": self.export_png, "svg": self.export_svg, "csv": self.export_csv}
        if fmt not in exporters:
            raise ValueError(f"save the plot as .png, .svg or .csv, not {Path(path).name}")
        return exporters[fmt](plot, path)

    def _on_export(self, plot: str, fmt: str) -> None:
        path = ask_save_path(
            self,
            f"Save the {TITLES[plot].lower()} {'data' if fmt == 'csv' else 'plot'}",
            f"{plot}.{fmt}",
            FORMATS[fmt],
            fmt,
        )
        if not path:
            return
        try:
            {"png": self.export_png, "svg": self.export_svg, "csv": self.export_csv}[fmt](plot, path)
        except OSError as e:
            self.readout.setText(f"Could not save {path}: {e}")
            return
        self.readout.setText(f"Saved {path}")
