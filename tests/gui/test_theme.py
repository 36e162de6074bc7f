"""Light and dark: the View menu and the desktop's colour scheme re-colour Qt's palette, the plots,
the diagram and the confusion matrix; the choice survives a restart; exports stay light."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import CORE_TIMEOUT_MS
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette

from resnet_gui.gui import theme
from resnet_gui.gui.main_window import MainWindow
from resnet_gui.gui.widgets import palette
from resnet_gui.training.events import BatchEnd, EpochEnd


@pytest.fixture(autouse=True)
def _system_theme_afterwards(qapp) -> Iterator[None]:
    """The theme is the app's: put the default back for the tests that follow."""
    yield
    theme.apply_theme(qapp, "system")


def rgb(color: QColor) -> tuple[int, int, int]:
    return (color.red(), color.green(), color.blue())


def hex_rgb(text: str) -> tuple[int, int, int]:
    return rgb(QColor(text))


def plot_background(plot) -> tuple[int, int, int]:
    return rgb(plot.backgroundBrush().color())


def with_diagram(qtbot, window: MainWindow) -> None:
    window.tabs.setCurrentWidget(window.architecture)
    qtbot.waitUntil(lambda: window.architecture.summary is not None, timeout=CORE_TIMEOUT_MS)


def conv_pixel(window: MainWindow) -> tuple[int, int, int]:
    """The colour the first convolution box paints just inside its left border."""
    box = window.architecture.boxes("conv")[0]
    rect = box.sceneBoundingRect()
    image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    window.architecture.scene.render(painter, image.rect().toRectF(), rect)
    painter.end()
    return rgb(image.pixelColor(12, image.height() - 8))


def test_dark_from_the_view_menu_recolours_every_part(qtbot, qapp, window) -> None:
    confusion = window.results.confusion.model
    confusion.set_counts(np.array([[9, 1], [3, 7]]), ("shirt", "coat"))
    cell = confusion.index(0, 0)
    with_diagram(qtbot, window)
    assert palette.current() is palette.LIGHT and window.theme_menu.actions["system"].isChecked()
    light_cell = confusion.data(cell, Qt.ItemDataRole.BackgroundRole).color()
    assert plot_background(window.plots.loss_plot) == (255, 255, 255)
    assert conv_pixel(window) == hex_rgb(palette.LIGHT.diagram.kinds["conv"][0])

    window.theme_menu.actions["dark"].trigger()

    assert window.theme_menu.actions["dark"].isChecked()
    dark = palette.DARK
    assert qapp.palette().color(QPalette.ColorRole.Window) == QColor(dark.ui.window)
    qtbot.waitUntil(lambda: window.form.palette().color(QPalette.ColorRole.Base) == QColor(dark.ui.base))
    for plot in (window.plots.loss_plot, window.plots.acc_plot, window.runs_panel.compare.loss_plot):
        assert plot_background(plot) == dark.plot_background
        assert rgb(plot.getPlotItem().getAxis("left").textPen().color()) == dark.plot_foreground
    assert plot_background(window.data_preview.chart) == dark.plot_background
    fill, border = window.architecture.boxes("conv")[0].colors()
    assert (fill, border) == tuple(QColor(c) for c in dark.diagram.kinds["conv"])
    assert conv_pixel(window) == hex_rgb(dark.diagram.kinds["conv"][0])
    assert rgb(window.architecture.view.backgroundBrush().color()) == hex_rgb(dark.diagram.background)
    dark_cell = confusion.data(cell, Qt.ItemDataRole.BackgroundRole).color()
    assert dark_cell != light_cell and rgb(dark_cell) == dark.heat(0.9)
    text = confusion.data(cell, Qt.ItemDataRole.ForegroundRole).color()
    assert rgb(text) == palette.text_on(dark.heat(0.9))
    window.banner.show_error("the data set is missing")
    assert dark.error_box.background in window.banner.styleSheet()

    window.theme_menu.actions["light"].trigger()
    assert plot_background(window.plots.loss_plot) == (255, 255, 255)
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window) == QColor(palette.LIGHT.ui.window))
    assert confusion.data(cell, Qt.ItemDataRole.BackgroundRole).color() == light_cell


def luminance(color: tuple[float, float, float]) -> float:
    linear = [c / 255 / 12.92 if c <= 10.3 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in color]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """The WCAG contrast ratio of two colours (3 is the least for lines and other graphics)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_curves_stand_out_from_the_plot_in_both_themes(qtbot, window) -> None:
    plots = window.plots
    for choice in ("light", "dark"):
        window.theme_menu.choose(choice)
        background = palette.current().plot_background
        pen = plots.batch_loss.curve.opts["pen"].color()  # the faint raw batch losses, under the smoothed curve
        alpha = pen.alphaF()
        seen = tuple(alpha * c + (1 - alpha) * b for c, b in zip(rgb(pen), background, strict=True))
        assert contrast(seen, background) >= 3, choice
        for curve in (plots.smoothed_loss, plots.epoch_loss, plots.train_acc, plots.test_acc):
            assert contrast(rgb(curve.curve.opts["pen"].color()), background) >= 3, (choice, curve.name)


def test_follow_system_reacts_to_the_desktop_scheme(qtbot, window, qapp) -> None:
    hints = qapp.styleHints()
    assert theme.current_choice() == "system"
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert palette.current() is palette.DARK
    assert plot_background(window.plots.loss_plot) == palette.DARK.plot_background
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert palette.current() is palette.LIGHT
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Unknown)
    assert palette.current() is palette.LIGHT
    window.theme_menu.actions["light"].trigger()  # forced: the desktop no longer decides
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert palette.current() is palette.LIGHT


def test_the_theme_survives_a_restart(qtbot, qapp, tmp_path: Path) -> None:
    path = str(tmp_path / "settings.ini")
    first = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    assert first.theme_menu.actions["system"].isChecked()  # nothing stored yet
    first.theme_menu.actions["dark"].trigger()
    first.shutdown()
    theme.apply_theme(qapp, "light")  # as a new process starts: nothing dark left over
    assert QSettings(path, QSettings.Format.IniFormat).value(theme.THEME_KEY) == "dark"

    second = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    try:
        assert second.theme_menu.actions["dark"].isChecked()
        assert palette.current() is palette.DARK
        assert plot_background(second.plots.loss_plot) == palette.DARK.plot_background
    finally:
        second.shutdown()


def test_a_missing_or_unknown_stored_theme_follows_the_system(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert theme.stored_choice(None) == theme.stored_choice(settings) == "system"
    settings.setValue(theme.THEME_KEY, "purple")
    assert theme.stored_choice(settings) == "system"
    settings.setValue(theme.THEME_KEY, "dark")
    assert theme.stored_choice(settings) == "dark"


def test_exports_from_a_dark_window_are_light(qtbot, window, tmp_path: Path) -> None:
    plots = window.plots
    for epoch in (1, 2):
        plots.add_batch(BatchEnd(epoch, 1, 1, 1.0 / epoch, 100.0, 1.0, 1.0))
        plots.add_epoch(EpochEnd(epoch, 1.0 / epoch, 0.5, 0.4, 1.0, 100.0, 1e-3))
    with_diagram(qtbot, window)
    window.theme_menu.actions["dark"].trigger()

    plot_png = plots.export("loss", tmp_path / "loss.png")
    image = QImage(str(plot_png))
    assert rgb(image.pixelColor(2, 2)) == (255, 255, 255)
    assert rgb(image.pixelColor(image.width() // 2, image.height() - 3)) == (255, 255, 255)
    svg = plots.export("accuracy", tmp_path / "accuracy.svg").read_text()
    assert palette.hex_color(palette.DARK.plot_background) not in svg.lower()
    assert plot_background(plots.loss_plot) == palette.DARK.plot_background  # the window stays dark

    diagram = QImage(str(window.architecture.export_png(tmp_path / "diagram.png", scale=1.0)))
    assert rgb(diagram.pixelColor(2, 2)) == (255, 255, 255)
    box = window.architecture.boxes("conv")[0].sceneBoundingRect()
    origin = window.architecture.scene.itemsBoundingRect().topLeft() - QPointF(16, 16)
    inside = box.bottomLeft() - origin + QPointF(12, -8)
    assert rgb(diagram.pixelColor(int(inside.x()), int(inside.y()))) == hex_rgb(palette.LIGHT.diagram.kinds["conv"][0])
    assert window.architecture.boxes("conv")[0].colors()[0] == QColor(palette.DARK.diagram.kinds["conv"][0])


def test_the_lines_between_feature_maps_follow_the_theme(qtbot, qapp) -> None:
    """The mosaic's separating lines are the plot background of the theme shown, redrawn when it changes."""
    from resnet_gui.gui.tabs.results.feature_maps_view import FeatureMapsView
    from resnet_gui.gui.tabs.results.inspection import FeatureMapGrid, ModelInfo, tile_maps

    view = FeatureMapsView()
    qtbot.addWidget(view)
    mosaic, cols = tile_maps(np.random.default_rng(0).random((4, 5, 5)).astype(np.float32))
    info = ModelInfo("ck.pt", "run 1", (("layer1", "stage"),), tuple("abcdefghij"), 1, 28, 0)
    view.show_grid(FeatureMapGrid(0, "layer1", mosaic, 4, (5, 5), cols, info))

    def gap_pixel() -> tuple[int, int, int]:
        assert view.mosaic_image is not None
        return rgb(view.mosaic_image.pixelColor(5, 0))  # column 5: the line after the first map

    for choice in ("dark", "light"):
        theme.apply_theme(qapp, choice)
        assert gap_pixel() == palette.THEMES[choice].plot_background
