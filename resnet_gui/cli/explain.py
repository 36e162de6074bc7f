"""``resnet-gui explain``: where a checkpoint's network looked in one image (Grad-CAM), as text, JSON or a PNG."""

from __future__ import annotations

import argparse
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..errors import UserError

if TYPE_CHECKING:
    import numpy as np

# The overlay PNG is the image scaled by a whole number to at least this side, so a 28-pixel image is visible.
OVERLAY_MIN_PX = 224


def add_explain_parser(sub: argparse._SubParsersAction) -> None:
    """The ``explain`` command's grammar."""
    x = sub.add_parser("explain", help="where a checkpoint's network looked in an image (Grad-CAM)")
    x.add_argument("checkpoint")
    x.add_argument("image", help="a PNG, JPEG, BMP or WebP file")
    x.add_argument("--class", dest="target", metavar="N|NAME", help="the class to explain (default: the predicted)")
    x.add_argument("--layer", metavar="NAME", help="the layer to take the map at (default: the last stage)")
    x.add_argument("--invert", action="store_true", help="invert the image first (dark on light photos)")
    x.add_argument("--crop", action="store_true", help="crop the image to its object first")
    x.add_argument("--out", metavar="FILE.png", help="write the map over the image to this PNG")
    x.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    x.add_argument("--json", action="store_true", help="print one JSON document (with the map as a list)")


def class_index(text: str, class_names: tuple[str, ...]) -> int:
    """``text`` as a class number or a class name (any case)."""
    if text.strip().lstrip("-").isdigit():
        return int(text)
    lowered = [n.lower() for n in class_names]
    if text.strip().lower() in lowered:
        return lowered.index(text.strip().lower())
    raise UserError(
        f"No class {text!r}: give a number from 0 to {len(class_names) - 1} or one of {', '.join(class_names)}."
    )


def overlay_scale(side: int) -> int:
    """The whole-number scale that brings an image side to at least ``OVERLAY_MIN_PX``."""
    return max(1, math.ceil(OVERLAY_MIN_PX / max(side, 1)))


def write_png(path: Path, picture: np.ndarray) -> None:
    """An (H, W, 3) uint8 array as a PNG, written atomically."""
    from PIL import Image

    from ..files import atomic_write_bytes

    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())


def cmd_explain(args: argparse.Namespace, out: TextIO) -> int:
    """The predicted class, the top probabilities and a Grad-CAM map of the asked (or predicted) class."""
    from ..data.images import load_image
    from ..inference.gradcam import class_maps, overlay
    from ..inference.trained import load_trained

    trained = load_trained(args.checkpoint)
    names = trained.class_names
    channels, side, _ = trained.image_shape
    target = class_index(args.target, names) if args.target is not None else None
    target_path = Path(args.out) if args.out else None
    if target_path is not None and target_path.exists() and not args.force:
        raise UserError(f"{target_path} already exists: choose another file, or add --force to overwrite it.")
    image = load_image(args.image, side, channels, args.invert, args.crop)
    result = class_maps(trained.net, image, trained.config.data.resize, () if target is None else (target,), args.layer)
    explained, cam = result.targets[0], result.maps[0]
    if target_path is not None:
        write_png(target_path, overlay(image, cam, overlay_scale(side)))
    if args.json:
        doc = {
            "predicted": names[result.predicted],
            "predicted_index": result.predicted,
            "probabilities": {n: round(float(p), 6) for n, p in zip(names, result.probs, strict=True)},
            "explained": names[explained],
            "explained_index": explained,
            "layer": result.layer,
            "evidence": result.peaks[0] > 0,
            "map_size": list(cam.shape),
            "map": [[round(float(v), 4) for v in row] for row in cam],
            "overlay": str(target_path) if target_path is not None else None,
        }
        print(json.dumps(doc), file=out)
        return 0
    top = sorted(range(len(names)), key=lambda i: -result.probs[i])[:3]
    print(f"predicted: {names[result.predicted]} ({result.probs[result.predicted]:.1%})", file=out)
    print("top classes: " + ", ".join(f"{names[i]} {result.probs[i]:.1%}" for i in top), file=out)
    where = "no evidence for it at this layer" if result.peaks[0] <= 0 else f"map of {cam.shape[0]}×{cam.shape[1]}"
    print(f"explained: {names[explained]} at layer {result.layer} ({where})", file=out)
    if target_path is not None:
        print(f"wrote {target_path}", file=out)
    return 0
