"""Where a run was changed as it trained: a dashed vertical line with a short label ("lr ×0.5",
"epochs 12") on each Training plot, at the fractional epoch where the run applied the change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt

from ....training.steering import describe_change
from ...widgets import palette

if TYPE_CHECKING:
    from ....training.events import BatchEnd, RunStarted, Steered
    from ...session.run_session import RunSession


class ChangeMarkers(QObject):
    """The change markers of the run on ``plots``, labelled on the second (accuracy: its legend sits low, the
    loss plot's high) or the only one, to keep the others clear."""

    def __init__(self, plots: Sequence[pg.PlotWidget], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plots = tuple(plots)
        self._lines: list[pg.InfiniteLine] = []
        self._placed: list[tuple[pg.PlotWidget, pg.InfiniteLine]] = []
        self._batches = 0  # batches per epoch, to place a change made part-way through one
        self._color: tuple[int, int, int] = (128, 128, 128)
        palette.follow(self._apply_theme)

    def bind(self, session: RunSession) -> None:
        """Mark ``session``'s changes; forget them when a new run begins."""
        session.cleared.connect(self.clear)
        session.run_started.connect(self._on_started)
        session.batch_end.connect(self._on_batch)
        session.steered.connect(self.add)

    @property
    def labels(self) -> list[str]:
        """The labels shown, in the order the changes were made."""
        return [label.toPlainText() for label in self._labels()]

    def positions(self) -> list[float]:
        """The x (fractional epoch) of each labelled marker."""
        return [float(line.value()) for line in self._lines if getattr(line, "label", None) is not None]

    def add(self, event: Steered) -> None:
        """Mark a change the run applied after ``event.batch`` batches of ``event.epoch``."""
        x = event.epoch - 1 + (event.batch / self._batches if self._batches else 0.0)
        pen = pg.mkPen(self._color, width=1, style=Qt.PenStyle.DashLine)
        for i, plot in enumerate(self._plots):
            options = {"position": 0.92, "color": self._color, "anchors": [(0, 0), (0, 0)]}
            label = describe_change(event.setting, event.value) if i == min(1, len(self._plots) - 1) else None
            line = pg.InfiniteLine(x, angle=90, movable=False, pen=pen, label=label, labelOpts=options)
            line.setZValue(20)
            plot.addItem(line, ignoreBounds=True)
            self._lines.append(line)
            self._placed.append((plot, line))

    def clear(self) -> None:
        """Remove every marker (a new run begins)."""
        for plot, line in self._placed:
            plot.removeItem(line)
        self._lines.clear()
        self._placed.clear()
        self._batches = 0

    def _on_started(self, event: RunStarted) -> None:
        self._batches = event.batches_per_epoch or self._batches

    def _on_batch(self, event: BatchEnd) -> None:
        self._batches = event.batches

    def _apply_theme(self, theme: palette.Theme) -> None:
        self._color = theme.plot_foreground
        pen = pg.mkPen(self._color, width=1, style=Qt.PenStyle.DashLine)
        for line in self._lines:
            line.setPen(pen)
        for label in self._labels():
            label.setColor(self._color)

    def _labels(self) -> list[pg.InfLineLabel]:
        return [line.label for line in self._lines if getattr(line, "label", None) is not None]
