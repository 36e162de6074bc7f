"""What the settings form shows and parses: choice labels, and text-to-value parsers whose
messages say what to type instead.
"""

from __future__ import annotations

import math
from typing import Any

from ...settings.config import RunConfig
from ...settings.model_presets import MODEL_PRESETS

DATASET_LABELS = {"sample": "sample (bundled, offline)", "fashion-mnist": "Fashion-MNIST (full)",
                  "mnist": "MNIST digits", "kmnist": "Kuzushiji-MNIST", "cifar10": "CIFAR-10 (colour)",
                  "folder": "image folder (a subfolder per class)"}
STEM_LABELS = {"d2l": "d2l: 7×7 conv, stride 2", "small": "small: 3×3 conv, stride 1"}
BLOCK_LABELS = {"basic": "basic: two 3×3 convs", "bottleneck": "bottleneck: 1×1, 3×3, 1×1"}
BLOCK_STYLE_LABELS = {"d2l": "d2l: conv biases", "torchvision": "torchvision: BN on shortcut"}
SCHEDULE_LABELS = {"constant": "constant", "cosine": "cosine decay", "onecycle": "one-cycle"}
AUGMENTATION_LABELS = {"none": "none", "flip": "horizontal flip", "crop+flip": "random crop + flip"}
CHANNEL_LABELS = {1: "1 (grayscale)", 3: "3 (colour)"}


def parse_int(text: str) -> int:
    """A whole number, or ValueError saying why the text is not one."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("enter a whole number")
    try:
        return int(stripped)
    except ValueError:
        raise ValueError(f"'{stripped}' is not a whole number") from None


def parse_float(text: str) -> float:
    """A finite number, or ValueError saying why the text is not one."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("enter a number, e.g. 0.001")
    try:
        value = float(stripped)
    except ValueError:
        raise ValueError(f"'{stripped}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"'{stripped}' is not a finite number")
    return value


def parse_seed(text: str) -> int | None:
    """A seed; empty means a random one each run (None)."""
    if not text.strip():
        return None
    return parse_int(text)


def format_float(value: float) -> str:
    """0.001 -> "0.001", 5e-4 -> "0.0005"."""
    return f"{value:g}"


def format_seed(value: int | None) -> str:
    """None (random) shows as an empty field."""
    return "" if value is None else str(value)


def format_blocks(value: tuple[int, ...]) -> str:
    """(2, 2, 2, 2) -> "2,2,2,2"."""
    return ",".join(str(b) for b in value)


def get_field(cfg: RunConfig, key: str) -> Any:
    """The value of a dotted field name such as ``train.lr``."""
    section, name = key.split(".")
    return getattr(getattr(cfg, section), name)


def model_preset_tooltip(name: str) -> str:
    """What a model preset sets, e.g. "ResNet-50: bottleneck blocks 3,4,6,3, 64 channels"."""
    block, blocks = MODEL_PRESETS[name]
    return (f"ResNet-{name.removeprefix('resnet')}: {block} blocks {format_blocks(blocks)}, 64 channels "
            "(sets only the network's block type, blocks and channels)")
