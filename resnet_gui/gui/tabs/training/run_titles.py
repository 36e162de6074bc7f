"""The Training tab's plot titles name the run they show, marked with the run's colour (the one it has
in the Runs tab and in comparisons), so a plot, on screen or exported, says whose curves it holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QObject

from ...widgets import palette

if TYPE_CHECKING:
    from ...session.run_session import RunSession

SWATCH = "■"


class RunTitles(QObject):
    """Keeps each plot's title as "■ Loss · run 12" while a run is shown (plain "Loss" before one is recorded)."""

    def __init__(self, plots: Mapping[pg.PlotWidget, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plots = dict(plots)
        self._run_id: int | None = None
        self._chosen: dict[int, str] = {}
        self._shown: tuple[object, ...] | None = None

    def bind(self, session: RunSession) -> None:
        """Name the session's run from when it is recorded; drop it when the next run begins."""
        session.run_recorded.connect(self.show_run)
        session.cleared.connect(lambda: self.show_run(None))

    def show_run(self, run_id: int | None) -> None:
        """Title the plots for ``run_id`` (None: no run)."""
        self._run_id = run_id
        self._retitle()

    def set_chosen_colors(self, colors: Mapping[int, str]) -> None:
        """The colours users chose ("#rrggbb" by run id, "" for the palette's), as the run history holds them."""
        self._chosen = dict(colors)
        self._retitle()

    def color(self) -> palette.Rgb | None:
        """The colour of the run shown (None when none is)."""
        if self._run_id is None:
            return None
        return palette.run_color(self._run_id, self._chosen.get(self._run_id, ""))

    def _retitle(self) -> None:
        rgb = self.color()
        shown = (self._run_id, rgb, palette.current().plot_foreground)
        if shown == self._shown:
            return  # a new title relays out and repaints every plot: ~90 ms of the GUI thread at a run's end
        self._shown = shown
        for plot, title in self._plots.items():
            if rgb is None or self._run_id is None:
                plot.setTitle(title)
            else:
                swatch = f"<span style='color: {palette.hex_color(rgb)}'>{SWATCH}</span>"
                plot.setTitle(f"{swatch} {title} · run {self._run_id}")
            label = plot.getPlotItem().titleLabel
            label.setText(label.text, color=palette.current().plot_foreground)
