"""Saving a Training-tab plot: PNG and SVG drawings of the plot, CSV of the points behind its curves."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter

from ....files import atomic_writer
from .plot_series import Series, render_svg

EXPORT_WIDTH_PX = 1200
FORMATS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)", "csv": "CSV data (*.csv)"}


def export_png(widget: pg.PlotWidget, path: str | Path, width: int = EXPORT_WIDTH_PX) -> Path:
    """Save ``widget``'s plot as a PNG image ``width`` pixels wide."""
    exporter = ImageExporter(widget.getPlotItem())
    exporter.parameters()["width"] = width
    exporter.export(str(path))
    return Path(path)


def export_svg(widget: pg.PlotWidget, path: str | Path) -> Path:
    """Save ``widget``'s plot as an SVG drawing."""
    try:
        SVGExporter(widget.getPlotItem()).export(str(path))
    except ValueError:
        # pyqtgraph <= 0.14.0 cannot parse the closed paths ("... Z") that Qt >= 6.10 writes
        # (pyqtgraph issue #3495): draw the plot through Qt's own SVG generator instead.
        render_svg(widget, Path(path))
    return Path(path)


def export_csv(series: Sequence[Series], column: str, path: str | Path) -> Path:
    """Save the points of ``series`` as CSV: a header (curve, epoch, ``column``), then a row per point."""
    with atomic_writer(Path(path), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["curve", "epoch", column])
        for s in series:
            writer.writerows((s.name, repr(float(x)), repr(float(y))) for x, y in zip(s.x, s.y, strict=True))
    return Path(path)
