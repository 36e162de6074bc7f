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
OBJECT_CONTRAST = 30  # grey levels from the background that count as the object when cropping
CROP_MARGIN = 0.08  # space left around the object, as a share of its size (the MNISTs leave a little)


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


def crop_to_object(img: Image, margin: float = CROP_MARGIN) -> Image:
    """``img`` cut to the box around what differs from its border (the background), made square.

    The background is the median colour of the border pixels; the square is padded with it.
    """
    from PIL import Image as PILImage

    gray = np.asarray(img.convert("L"), dtype=np.int16)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = int(np.median(border))
    rows, cols = np.nonzero(np.abs(gray - background) > OBJECT_CONTRAST)
    if not len(rows):
        return img
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    side = int(max(bottom - top, right - left) * (1 + 2 * margin))
    cy, cx = (top + bottom) // 2, (left + right) // 2
    fill = img.getpixel((0, 0)) if img.mode != "L" else background
    square = PILImage.new(img.mode, (side, side), fill)
    square.paste(img, (side // 2 - cx, side // 2 - cy))
    return square


def decode_image(path: str | Path, size: int, channels: int, invert: bool = False, crop: bool = False) -> np.ndarray:
    """One file as uint8 (channels, size, size); raises OSError/ValueError when unreadable.

    ``crop`` cuts the image to its object first (see ``crop_to_object``); ``invert`` turns dark on
    light into light on dark, the MNIST family's look.
    """
    from PIL import Image as PILImage
    from PIL import ImageOps

    mode = "L" if channels == 1 else "RGB"
    with PILImage.open(path) as source:
        if not crop:
            source.draft(mode, (size, size))  # JPEG: decode at a reduced scale
        img = ImageOps.exif_transpose(source)
        img = _eight_bit(img) if img.mode in HIGH_DEPTH_MODES else _opaque(img)
        img = img.convert(mode)
        if crop:
            img = crop_to_object(img)
        img = img.resize((size, size), PILImage.Resampling.BILINEAR)
        if invert:
            img = ImageOps.invert(img)
        arr = np.array(img, dtype=np.uint8)
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1).copy()


def load_image(
    path: str | Path, size: int = 28, channels: int = 1, invert: bool = False, crop: bool = False
) -> np.ndarray:
    """Like ``decode_image``, but an unreadable file raises UserError naming it."""
    try:
        return decode_image(path, size, channels, invert, crop)
    except FileNotFoundError:
        raise UserError(f"{path} does not exist.") from None
    except (OSError, ValueError) as e:
        raise UserError(f"{Path(path).name} is not a readable image (PNG, JPEG, BMP or WebP): {e}") from None
