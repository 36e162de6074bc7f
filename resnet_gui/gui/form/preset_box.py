"""The form's preset chooser: "custom", the named recipes, then the standard depths."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ...settings.config import RunConfig
from ...settings.presets import (
    MODEL_PRESETS,
    PRESET_DESCRIPTIONS,
    PRESETS,
    changes,
    matching_recipe,
    model_preset_description,
)
from .elided import ElidedComboBox

CUSTOM = "custom"


def shown_preset(cfg: RunConfig) -> str:
    """The recipe ``cfg`` follows (whatever its data set), else "custom"."""
    return matching_recipe(cfg) or CUSTOM


def change_summary(name: str, before: RunConfig, after: RunConfig) -> str:
    """What choosing preset ``name`` changed, in one line ("" when nothing)."""
    diff = changes(before, after)
    if not diff:
        return f"{name}: the form already holds it."
    shown = ", ".join(f"{label} {old or '—'} → {new}" for label, old, new in diff[:8])
    more = f", and {len(diff) - 8} more" if len(diff) > 8 else ""
    return f"{name} changed {shown}{more}. The data set stays as chosen."


class PresetBox(ElidedComboBox):
    """Choosing an entry emits ``currentIndexChanged``; ``show_silently`` changes it without a signal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Fill the form from a named recipe, or set only the network to a standard depth", parent)
        self.setObjectName("preset")
        self.addItem(CUSTOM, CUSTOM)
        self.insertSeparator(self.count())
        for name in PRESETS:
            self.addItem(f"{name} (recipe)", name)
            self.setItemData(self.count() - 1, PRESET_DESCRIPTIONS.get(name, ""), Qt.ItemDataRole.ToolTipRole)
        self.insertSeparator(self.count())
        for name in MODEL_PRESETS:
            self.addItem(f"{name} (network only)", name)
            self.setItemData(self.count() - 1, model_preset_description(name), Qt.ItemDataRole.ToolTipRole)

    def name(self) -> str:
        """The preset shown: "custom", a recipe name or a model name."""
        return str(self.currentData())

    def show_silently(self, name: str) -> None:
        """Show ``name`` without announcing it (the form changed, not the choice)."""
        index = self.findData(name)
        if index >= 0 and index != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)
            self.refresh_tip()
