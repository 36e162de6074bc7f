"""Shared helpers of the GUI tests: tiny run settings and typing into fields."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig

CORE_TIMEOUT_MS = 30000
RUN_TIMEOUT_MS = 60000


def tiny_config(**train: object) -> RunConfig:
    """A run on the bundled sample that takes well under a second per epoch on a CPU."""
    return RunConfig(
        model=ModelConfig(blocks=(1,), channels=8),
        data=DataConfig(dataset="sample", resize=0),
        train=TrainConfig(**{"epochs": 2, "batch_size": 512, "precision": "fp32", **train}),
    )  # type: ignore[arg-type]


def long_config() -> RunConfig:
    """A run that lasts far longer than any test waits, to be stopped."""
    return RunConfig(
        model=ModelConfig(blocks=(1, 1), channels=16),
        data=DataConfig(dataset="sample", resize=0),
        train=TrainConfig(epochs=500, batch_size=64, precision="fp32"),
    )


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    """Replace the field's text the way a user would: select all, then type (or delete)."""
    edit.setFocus()
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Backspace)
