"""The (C, H, W) images a data setting gives the network, known without loading the data.

The Layers tab and ``resnet-gui summary`` both walk the network over this shape, so the same
settings give the same table in the window and in the terminal.
"""

from __future__ import annotations

from ..settings.config import DataConfig

# Channels and side of each standard data set's images as stored.
NATIVE: dict[str, tuple[int, int]] = {
    "sample": (1, 28),
    "fashion-mnist": (1, 28),
    "mnist": (1, 28),
    "kmnist": (1, 28),
    "cifar10": (3, 32),
}


def input_shape(data: DataConfig) -> tuple[int, int, int]:
    """The shape one image has when it reaches the network: the data set's, after ``data.resize``."""
    channels: int
    if data.dataset == "folder":
        channels, native = data.channels, data.image_size
    else:
        channels, native = NATIVE[data.dataset]
    side = data.resize or native
    return channels, side, side
