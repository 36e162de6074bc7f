"""The one image decoder: 16-bit images keep their range, EXIF orientation applies, transparency is black."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from resnet_gui.data.images import decode_image, load_image
from resnet_gui.errors import UserError


def test_a_16_bit_ramp_stays_a_ramp(tmp_path: Path) -> None:
    ramp = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (64, 1))
    path = tmp_path / "ramp16.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    out = decode_image(path, 64, 1)[0]
    assert (out == 255).mean() < 0.05  # clipped, 99 % of it would be white
    assert out[0, 0] == 0 and out[0, -1] == 255
    assert np.all(np.diff(out[0].astype(int)) >= 0) and abs(int(out[0, 32]) - 129) <= 3


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    arr = np.zeros((20, 40), dtype=np.uint8)
    arr[:, :20] = 255  # left half bright, as stored
    img = Image.fromarray(arr)
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = tmp_path / "rotated.jpg"
    img.save(path, exif=exif.tobytes(), quality=95)
    out = decode_image(path, 40, 1)[0]
    # Displayed upright the image is 20 wide and 40 tall, its bright half on top.
    assert out[:16].mean() > 200 and out[24:].mean() < 50


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_transparent_pixels_are_black_whatever_their_hidden_colour(tmp_path: Path, mode: str) -> None:
    img = Image.new(mode, (16, 16), (255, 255, 255, 0) if mode == "RGBA" else (255, 0))
    path = tmp_path / f"clear-{mode}.png"
    img.save(path)
    assert decode_image(path, 16, 1).max() == 0 and decode_image(path, 16, 3).max() == 0


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(UserError, match=r"notes\.png is not a readable image"):
        load_image(bad)
