"""The Training tab's plot tools: log-scale loss, smoothing (how much, by epoch or by step),
the learning-rate plot's toggle, and the export menu."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QMenu, QSlider, QToolButton

DEFAULT_SMOOTHING = 0.6
MAX_SMOOTHING = 0.99
SMOOTH_BY = {"epoch": "by epoch", "step": "by step"}


@dataclass
class PlotTools:
    """The tools' widgets, laid out in ``layout``."""

    log_check: QCheckBox
    smooth_slider: QSlider
    smooth_value: QLabel
    smooth_by: QComboBox
    lr_check: QCheckBox
    export_button: QToolButton
    layout: QHBoxLayout


def make_tools(exports: Sequence[Sequence[tuple[str, Callable[[], None]]]]) -> PlotTools:
    """The tools, with an Export menu of ``exports`` (groups of (label, action), separated)."""
    log_check = QCheckBox("Log-scale loss")
    log_check.setToolTip("Show the loss axis on a logarithmic scale")
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(0, int(MAX_SMOOTHING * 100))
    slider.setValue(int(DEFAULT_SMOOTHING * 100))
    slider.setMaximumWidth(140)
    slider.setToolTip(
        "Debiased exponential moving average of the batch loss (the raw points stay drawn, faint); "
        "0 turns smoothing off"
    )
    value = QLabel(f"{DEFAULT_SMOOTHING:.2f}")
    smooth_by = QComboBox()
    for key, label in SMOOTH_BY.items():
        smooth_by.addItem(label, key)
    smooth_by.setToolTip(
        "By epoch: the weight is kept per 1/50 of an epoch, so runs reporting more or less often are "
        "smoothed alike. By step: per reported point."
    )
    lr_check = QCheckBox("Learning rate")
    lr_check.setToolTip("Show the learning rate the schedule sets, below the accuracy")
    lr_check.setChecked(True)
    button = QToolButton()
    button.setText("Export")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    for i, group in enumerate(exports):
        if i:
            menu.addSeparator()
        for label, action in group:
            menu.addAction(label, action)
    button.setMenu(menu)
    layout = QHBoxLayout()
    layout.addWidget(log_check)
    layout.addSpacing(16)
    layout.addWidget(QLabel("Smoothing"))
    for widget in (slider, value, smooth_by):
        layout.addWidget(widget)
    layout.addSpacing(16)
    layout.addWidget(lr_check)
    layout.addStretch(1)
    layout.addWidget(button)
    return PlotTools(log_check, slider, value, smooth_by, lr_check, button, layout)
