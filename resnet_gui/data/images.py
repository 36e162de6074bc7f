"""Image files as the data sets store images: uint8 (channels, size, size), grayscale or colour.

One decoder for every image the app reads: the files of an image folder and the single images
a user tries on a trained network.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import UserError


def decode_image(path: str | Path, size: int, channels: int) -> np.ndarray:
    """One file as uint8 (channels, size, size); raises OSError/ValueError when unreadable."""
    from PIL import Image

    with Image.open(path) as source:
        source.draft("L" if channels == 1 else "RGB", (size, size))  # JPEG: decode at a reduced scale
        img = source.convert("L" if channels == 1 else "RGB").resize((size, size), Image.Resampling.BILINEAR)
        arr = np.array(img, dtype=np.uint8)
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1).copy()


def load_image(path: str | Path, size: int = 28, channels: int = 1) -> np.ndarray:
    """Like ``decode_image``, but an unreadable file raises UserError naming it."""
    try:
        return decode_image(path, size, channels)
    except FileNotFoundError:
        raise UserError(f"{path} does not exist.") from None
    except (OSError, ValueError) as e:
        raise UserError(f"{Path(path).name} is not a readable image (PNG, JPEG, BMP or WebP): {e}") from None
