"""The standard depths, ResNet-18 to ResNet-152, as block types and counts (no torch import)."""

from __future__ import annotations

from dataclasses import replace

from .config import ModelConfig

MODEL_PRESETS: dict[str, tuple[str, tuple[int, ...]]] = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
    "resnet152": ("bottleneck", (3, 8, 36, 3)),
}


def model_preset(name: str, base: ModelConfig | None = None) -> ModelConfig:
    """``base`` (the default model if None) with the block type and counts of ResNet-18 ... 152."""
    if name not in MODEL_PRESETS:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODEL_PRESETS)}")
    block, blocks = MODEL_PRESETS[name]
    return replace(base or ModelConfig(), block=block, blocks=blocks, channels=64)
