"""Image files as the data sets store images: uint8 (channels, size, size), grayscale or colour.

One decoder for every image the app reads: the files of an image folder and the single images a
user tries on a trained network. Any mode Pillow reads is accepted: 16-bit images are scaled to
8 bits (not clipped), the EXIF orientation a camera wrote is applied, and transparent pixels are
laid over black, the background of the MNIST family, so their hidden colour never shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UserError

if TYPE_CHECKING:
    from PIL.Image import Image

HIGH_DEPTH_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")
BACKGROUND = (0, 0, 0, 255)  # under transparent pixels: black, like the MNIST family's background


def _eight_bit(img: Image) -> Image:
    """A 16-bit (or 32-bit) grayscale image as 8 bits, keeping its full range (65535 -> 255)."""
    from PIL import Image as PILImage

    values = np.asarray(img, dtype=np.float64)
    top = 65535.0 if img.mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
    if img.mode == "F":
        top = max(1.0, float(values.max(initial=0)))
    return PILImage.fromarray(np.clip(np.rint(values * 255.0 / top), 0, 255).astype(np.uint8), mode="L")


def _opaque(img: Image) -> Image:
    """``img`` with any transparency laid over ``BACKGROUND``."""
    from PIL import Image as PILImage

    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        return PILImage.alpha_composite(PILImage.new("RGBA", rgba.size, BACKGROUND), rgba).convert("RGB")
    return img


def decode_image(path: str | Path, size: int, channels: int) -> np.ndarray:
    """One file as uint8 (channels, size, size); raises OSError/ValueError when unreadable."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    mode = "L" if channels == 1 else "RGB"
    with PILImage.open(path) as source:
        source.draft(mode, (size, size))  # JPEG: decode at a reduced scale
        img = ImageOps.exif_transpose(source)
        img = _eight_bit(img) if img.mode in HIGH_DEPTH_MODES else _opaque(img)
        img = img.convert(mode).resize((size, size), PILImage.Resampling.BILINEAR)
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
