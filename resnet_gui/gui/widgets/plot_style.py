"""A pyqtgraph plot in a theme's colours, and drawing in another theme for the length of an export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyqtgraph as pg

from . import palette
from .palette import Theme

AXES = ("left", "bottom", "right", "top")


def style_plots(theme: Theme, *plots: pg.PlotWidget) -> None:
    """Colour each plot's background, axes, grid, title and legend for ``theme`` (curves keep theirs)."""
    for plot in plots:
        _style_plot(plot, theme)


def _style_plot(plot: pg.PlotWidget, theme: Theme) -> None:
    fg = theme.plot_foreground
    plot.setBackground(theme.plot_background)
    item = plot.getPlotItem()
    for side in AXES:
        axis = item.getAxis(side)
        axis.setPen(fg)
        axis.setTextPen(fg)
    title = item.titleLabel
    if title.text:
        title.setText(title.text, color=fg)
    legend = item.legend
    if legend is not None:
        legend.setBrush(theme.legend_background)
        legend.setPen((*fg, 60))
        legend.setLabelTextColor(fg)
        for _sample, label in legend.items:
            label.setText(label.text)  # draws the label again in the colour just set


@contextmanager
def drawn_in(theme: Theme, apply: Callable[[Theme], None]) -> Iterator[None]:
    """Draw in ``theme`` (``apply`` re-colours a view) while the block runs, then in the current theme again.

    Exports use it with ``palette.EXPORT``; nothing repaints on screen in between.
    """
    apply(theme)
    try:
        yield
    finally:
        apply(palette.current())
