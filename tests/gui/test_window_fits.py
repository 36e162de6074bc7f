"""The window at its default size: the settings column fits without sideways scrolling, long values
are elided with the whole value in the tooltip, errors wrap, and the splitter drags."""

from __future__ import annotations

import pytest
from gui_helpers import type_into
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLabel, QLineEdit, QTabWidget, QWidget

from resnet_gui.gui.form.elided import ElidedComboBox, PathEdit
from resnet_gui.gui.layout import DEFAULT_SIZE, FormScroll

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def choose(form, key: str, value: object) -> None:
    combo = form.field(key)
    combo.setCurrentIndex(combo.findData(value))


def form_scroll(window) -> FormScroll:
    scroll = window.findChild(FormScroll)
    assert scroll is not None
    return scroll


def settle(qtbot) -> None:
    QApplication.processEvents()
    qtbot.wait(50)


def cut_widgets(window) -> list[str]:
    """The shown widgets of the form whose right edge passes the scroll area's viewport."""
    viewport = form_scroll(window).viewport()
    cut = []
    for child in window.form.findChildren(QWidget):
        if child.isVisible() and child.width() > 0:
            right = child.mapTo(viewport, QPoint(child.width(), 0)).x()
            if right > viewport.width():
                cut.append(f"{child.objectName() or type(child).__name__} ends at {right} > {viewport.width()}")
    return cut


def test_the_settings_column_fits_the_default_window(qtbot, window) -> None:
    settle(qtbot)
    assert (window.width(), window.height()) == DEFAULT_SIZE
    bar = form_scroll(window).horizontalScrollBar()
    for dataset in ("sample", "fashion-mnist", "folder"):  # the data location, then the image folder's rows
        choose(window.form, "data.dataset", dataset)
        window.form.section("Advanced").set_expanded(True)
        settle(qtbot)
        assert not bar.isVisible() and bar.maximum() == 0, dataset
        assert cut_widgets(window) == [], dataset
    left = window.splitter.widget(0)
    for control in window.controls.findChildren(QWidget):
        if control.isVisible():
            assert control.mapTo(left, QPoint(control.width(), 0)).x() <= left.width(), control


def test_long_values_elide_and_the_tooltip_says_them_whole(qtbot, window, tmp_path) -> None:
    form = window.form
    window.splitter.moveSplitter(0, 1)  # as narrow as the column goes
    choose(form, "data.dataset", "folder")
    folder = tmp_path / ("a folder with a rather long name, " * 3).strip(" ,") / "pictures"
    form.field("data.folder").setText(str(folder))
    settle(qtbot)
    dataset: ElidedComboBox = form.field("data.dataset")
    full = "image folder (a subfolder per class)"
    assert dataset.currentText() == full and dataset.shown_text().endswith("…") and len(dataset.shown_text()) > 3
    assert dataset.toolTip().startswith(full + "\n")
    edit: PathEdit = form.field("data.folder")
    head, tail = edit.shown_text().split("…")
    assert str(folder).startswith(head) and str(folder).endswith(tail) and head and tail
    assert edit.toolTip().startswith(str(folder) + "\n")
    assert cut_widgets(window) == []

    choose(form, "data.dataset", "mnist")  # the data location's default: home written as ~, cut in its middle
    location: PathEdit = form.field("data.root")
    location.set_default_path(str(tmp_path / ("very long folder name " * 4).strip() / "datasets"))
    settle(qtbot)
    head, tail = location.shown_text().split("…")
    assert location.text() == "" and location.placeholderText().endswith(tail) and head and tail
    assert location.toolTip().startswith(location.placeholderText() + "\n")


def test_tabbing_through_the_form_never_scrolls_it_sideways(qtbot, window) -> None:
    window.activateWindow()
    window.form.section("Advanced").set_expanded(True)
    settle(qtbot)
    scroll = form_scroll(window)
    window.form.field("preset").setFocus()
    visited: list[QWidget] = []
    for _ in range(60):
        focused = QApplication.focusWidget()
        if focused is None or not window.form.isAncestorOf(focused):
            break
        visited.append(focused)
        assert scroll.horizontalScrollBar().value() == 0, focused.objectName()
        assert window.form.x() == 0  # the labels' column has not moved out of view
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    inputs = [
        w
        for w in window.form.findChildren(QWidget)
        if isinstance(w, (QLineEdit, QComboBox, QAbstractButton)) and w.isVisible() and w.isEnabled()
    ]
    missing = [w.objectName() or w.text() for w in inputs if w not in visited]  # type: ignore[attr-defined]
    assert missing == []
    assert QApplication.focusWidget() is window.train_button  # then on to the run controls


def test_a_long_error_wraps_and_shows_whole(qtbot, window) -> None:
    text = "a rather long text that is certainly not a number"
    type_into(qtbot, window.form.field("train.lr"), text)
    settle(qtbot)
    label = window.form.findChild(QLabel, "error:train.lr")
    message = window.form.error_text("train.lr")
    assert text in message and label.text() == message
    assert label.isVisible() and label.wordWrap()
    line = label.fontMetrics().height()
    assert label.height() >= 2 * line  # wrapped onto more lines, not cut
    assert label.heightForWidth(label.width()) <= label.height()
    assert cut_widgets(window) == []


def test_every_tab_fits_beside_the_settings_and_leaves_the_splitter_room(qtbot, window) -> None:
    """A page wider than the tabs' share would be cut off, or (as the Runs tab's buttons once did)
    hold the splitter still: every page fits at the default size with room to widen the settings."""
    settle(qtbot)
    room = window.tabs.width() - 100
    wide = {window.tabs.tabText(i): window.tabs.widget(i).minimumSizeHint().width() for i in range(window.tabs.count())}
    assert {title: width for title, width in wide.items() if width > room} == {}


def test_the_splitter_drags_both_ways(qtbot, window) -> None:
    settle(qtbot)
    splitter = window.splitter
    left, right = splitter.sizes()
    splitter.moveSplitter(left + 100, 1)
    assert splitter.sizes()[0] == left + 100 and splitter.sizes()[1] == right - 100
    handle = splitter.handle(1)
    centre = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(handle, centre + QPoint(-80, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=centre + QPoint(-80, 0))
    assert splitter.sizes()[0] == left + 20
    splitter.moveSplitter(0, 1)  # no narrower than the form: it never needs sideways scrolling
    settle(qtbot)
    assert splitter.sizes()[0] == splitter.widget(0).minimumSizeHint().width() > 0
    assert not form_scroll(window).horizontalScrollBar().isVisible() and cut_widgets(window) == []


def test_the_loss_legend_leaves_most_of_its_plot_to_the_curves(qtbot, window) -> None:
    settle(qtbot)
    assert (window.width(), window.height()) == DEFAULT_SIZE
    plot = window.plots.loss_plot.getPlotItem()
    legend = plot.legend
    assert len(legend.items) == 4
    shown = legend.mapRectToScene(legend.boundingRect()).height()
    view = plot.getViewBox().sceneBoundingRect().height()
    assert shown < 0.5 * view, f"the legend covers {shown:.0f} of the plot's {view:.0f} px in height"


def test_the_runs_tab_gives_its_compare_plots_room(qtbot, window) -> None:
    tabs = window.findChild(QTabWidget)
    tabs.setCurrentWidget(window.runs_panel)
    settle(qtbot)
    assert (window.width(), window.height()) == DEFAULT_SIZE
    compare = window.runs_panel.compare
    heights = [
        plot.getPlotItem().getViewBox().sceneBoundingRect().height() for plot in (compare.loss_plot, compare.acc_plot)
    ]
    # Two stacked plots share the x axis: titles and the upper plot's axis name left the curves 48 px.
    assert min(heights) >= 90, f"the compare plots draw their curves in {heights} px of height"
    assert not compare.loss_plot.getAxis("bottom").label.isVisible()
    assert compare.acc_plot.getAxis("bottom").label.isVisible()
