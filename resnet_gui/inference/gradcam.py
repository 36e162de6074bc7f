"""Where the network looked: Grad-CAM class activation maps (Selvaraju et al. 2017), computed by Captum.

A map weighs a layer's activations by the mean gradient of one class's score over each channel,
keeps the positive part (evidence for the class) and is scaled up to the image's size. Maps are
numpy arrays in 0..1 (each scaled to its own peak); ``overlay`` colours one over its image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import UserError
from .single_image import network_input, stage_names

# Map values below this share of the strongest map's peak count as no evidence (float noise of a ReLU'd zero).
NO_EVIDENCE = 1e-6
OVERLAY_COLOURMAP = "inferno"


@dataclass(frozen=True)
class ClassMaps:
    """One image's class probabilities and a Grad-CAM map for each class asked about."""

    probs: np.ndarray  # (classes,) softmax probabilities
    layer: str
    targets: tuple[int, ...]
    maps: np.ndarray  # (len(targets), H, W) float32 in 0..1, H and W the image's
    peaks: tuple[float, ...]  # each map's largest raw value (0: no positive evidence for the class there)

    @property
    def predicted(self) -> int:
        """The most likely class."""
        return int(self.probs.argmax())


def cam_layers(model: nn.Module) -> list[str]:
    """The layers a map can be taken at: the top-level layers before the pooling (stem parts, stages)."""
    return stage_names(model)


def default_layer(model: nn.Module) -> str:
    """The last stage: the coarsest map, with the most class-specific features (Grad-CAM's usual choice)."""
    return cam_layers(model)[-1]


def class_maps(
    model: nn.Module, image: np.ndarray, resize: int, targets: Sequence[int | None] = (), layer: str | None = None
) -> ClassMaps:
    """Grad-CAM maps of the uint8 (C, H, W) ``image`` for each class of ``targets`` (None, or no
    targets: the predicted class) at top-level layer ``layer`` (default: the last stage), each of
    the image's size."""
    from captum.attr import LayerGradCam

    layers = cam_layers(model)
    layer = layer or default_layer(model)
    if layer not in layers:
        raise UserError(f"No layer {layer!r} to explain at; choose one of {', '.join(layers)}.")
    model.eval()
    x = network_input(image, resize)
    with torch.no_grad():
        probs = F.softmax(model(x).float(), dim=1)[0].numpy()
    classes = len(probs)
    chosen = tuple(int(probs.argmax()) if t is None else int(t) for t in (targets or (None,)))
    bad = [t for t in chosen if not 0 <= t < classes]
    if bad:
        raise UserError(f"No class {bad[0]}: the network knows classes 0 to {classes - 1}.")
    cam = LayerGradCam(model, dict(model.named_children())[layer])
    with torch.enable_grad():
        raw = cam.attribute(x.expand(len(chosen), *x.shape[1:]), target=list(chosen), relu_attributions=True)
    raw = raw.detach().float()
    h, w = image.shape[-2:]
    if raw.shape[-2:] != (h, w):
        raw = F.interpolate(raw, size=(h, w), mode="bilinear", align_corners=False)
    maps = raw[:, 0].clamp_min(0).numpy()
    peaks = maps.reshape(len(chosen), -1).max(axis=1)
    floor = NO_EVIDENCE * max(float(peaks.max()), 1e-30)
    scaled = np.divide(maps, peaks[:, None, None], out=np.zeros_like(maps), where=peaks[:, None, None] > floor)
    return ClassMaps(probs, layer, chosen, scaled.astype(np.float32), tuple(float(p) for p in peaks))


def overlay(image: np.ndarray, cam: np.ndarray, scale: int = 1, strength: float = 0.6) -> np.ndarray:
    """An (H*scale, W*scale, 3) uint8 picture: ``image`` (C, H, W) in grey with ``cam`` (H, W, 0..1) coloured
    over it, more opaque where the map is higher, so the image stays visible where the network did not look."""
    import matplotlib

    grey = image.astype(np.float32).mean(axis=0) / 255 if image.shape[0] != 3 else None
    base = np.repeat(grey[..., None], 3, axis=2) if grey is not None else image.transpose(1, 2, 0) / 255
    colours = matplotlib.colormaps[OVERLAY_COLOURMAP](cam)[..., :3]
    alpha = strength * cam[..., None]
    mixed = (1 - alpha) * base + alpha * colours
    picture = np.clip(mixed * 255 + 0.5, 0, 255).astype(np.uint8)
    return picture.repeat(scale, axis=0).repeat(scale, axis=1) if scale > 1 else picture
