"""The form's preset chooser: "custom", the named recipes, then the standard depths."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from ...settings.config import RunConfig
from ...settings.presets import MODEL_PRESETS, PRESET_DESCRIPTIONS, PRESETS, model_preset_description

CUSTOM = "custom"


def matching_recipe(cfg: RunConfig) -> str:
    """The recipe ``cfg`` equals, whatever its data folder; "custom" when none."""
    for name, recipe in PRESETS.items():
        if replace(cfg, data=replace(cfg.data, root=None)) == recipe:
            return name
    return CUSTOM


class PresetBox(QComboBox):
    """Choosing an entry emits ``currentIndexChanged``; ``show_silently`` changes it without a signal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preset")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)
        self.setToolTip("Fill the form from a named recipe, or set only the network to a standard depth")
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
