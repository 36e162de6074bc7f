"""Where the main window's parts sit: the form and run controls on the left, the tabs on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from .main_window import MainWindow

DEFAULT_SIZE = (1200, 760)
SPLIT = (380, 820)


def arrange_window(win: MainWindow) -> None:
    """Lay out ``win``'s views: the banner on top, then the form column beside the tabs."""
    form_scroll = QScrollArea()
    form_scroll.setWidgetResizable(True)
    form_scroll.setWidget(win.form)
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.addWidget(form_scroll, 1)
    left_layout.addWidget(win.controls)

    training = QWidget()
    training_layout = QVBoxLayout(training)
    training_layout.addWidget(win.progress)
    training_layout.addWidget(win.plots, 1)
    for page, title in ((training, "Training"), (win.data_preview, "Data"), (win.layer_table, "Layers"),
                        (win.architecture, "Architecture"), (win.runs_panel, "Runs"), (win.results, "Results")):
        win.tabs.addTab(page, title)

    splitter = QSplitter()
    splitter.addWidget(left)
    splitter.addWidget(win.tabs)
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes(list(SPLIT))

    central = QWidget()
    layout = QVBoxLayout(central)
    layout.addWidget(win.banner)
    layout.addWidget(splitter, 1)
    win.setCentralWidget(central)
    win.resize(*DEFAULT_SIZE)
