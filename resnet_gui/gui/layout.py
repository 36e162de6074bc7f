"""Where the main window's parts sit: the banner on top, the form and run controls left, the tabs right."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMainWindow, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

DEFAULT_SIZE = (1200, 760)
SPLIT = (380, 820)


def stacked(*widgets: QWidget) -> QWidget:
    """The widgets one above the other, the last one taking the spare height."""
    page = QWidget()
    layout = QVBoxLayout(page)
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is widgets[-1] else 0)
    return page


def arrange_window(
    window: QMainWindow,
    banner: QWidget,
    form: QWidget,
    controls: QWidget,
    tabs: QTabWidget,
    pages: Sequence[tuple[QWidget, str]],
) -> None:
    """Lay out ``window``: ``banner`` on top, then ``form`` (scrolling) over ``controls`` beside ``tabs``."""
    form_scroll = QScrollArea()
    form_scroll.setWidgetResizable(True)
    form_scroll.setWidget(form)
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.addWidget(form_scroll, 1)
    left_layout.addWidget(controls)
    for page, title in pages:
        tabs.addTab(page, title)

    splitter = QSplitter()
    splitter.addWidget(left)
    splitter.addWidget(tabs)
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes(list(SPLIT))

    central = QWidget()
    layout = QVBoxLayout(central)
    layout.addWidget(banner)
    layout.addWidget(splitter, 1)
    window.setCentralWidget(central)
    window.resize(*DEFAULT_SIZE)
