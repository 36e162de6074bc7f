"""Value axes keep their tick labels apart however short a plot is drawn."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from resnet_gui.gui.widgets.plot_axes import RoomyAxis, _text_height, next_nice

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def labels(axis: pg.AxisItem, low: float, high: float, size: float) -> list[float]:
    """The values the axis labels: its major level's ticks."""
    return axis.tickValues(low, high, size)[0][1]


def gap(shown: list[float], low: float, high: float, size: float) -> float:
    """Pixels between two neighbouring labels' centres."""
    return (shown[1] - shown[0]) / (high - low) * size


def test_spacings_follow_the_1_2_5_series() -> None:
    assert [next_nice(s) for s in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)] == pytest.approx([0.2, 0.5, 1, 2, 5, 10])
    assert next_nice(2e-4) == pytest.approx(5e-4)


def test_a_short_axis_labels_only_what_fits_and_a_tall_one_as_pyqtgraph_does(qapp) -> None:
    roomy, plain = RoomyAxis("left"), pg.AxisItem("left")
    height = _text_height(roomy)
    assert len(labels(plain, 0, 1, 46)) == 6  # pyqtgraph's own: 0, 0.2, ... 1.0 over 46 px
    short = labels(roomy, 0, 1, 46)
    assert short == pytest.approx([0, 0.5, 1]) and gap(short, 0, 1, 46) > height
    assert labels(roomy, 0, 1, 300) == labels(plain, 0, 1, 300)
    assert labels(roomy, 0, 0.2, 46) == pytest.approx([0, 0.1, 0.2])  # pyqtgraph: 0.05 apart, 9 px
    lr = labels(roomy, 1e-4, 1e-3, 30)
    assert len(lr) >= 2 and gap(lr, 1e-4, 1e-3, 30) > height


def test_the_training_plots_labels_fit_at_the_default_size(qtbot, window) -> None:
    QApplication.processEvents()
    qtbot.wait(50)
    for plot in (window.plots.loss_plot, window.plots.acc_plot, window.plots.lr_plot):
        axis = plot.getAxis("left")
        view = plot.getPlotItem().getViewBox()
        size = view.sceneBoundingRect().height()
        low, high = view.viewRange()[1]
        shown = labels(axis, low, high, size)
        assert len(shown) >= 2
        assert gap(shown, low, high, size) > _text_height(axis), f"{shown} crowd {size:.0f} px"
