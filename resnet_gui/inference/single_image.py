"""One image through a trained network: its top classes and the feature maps of any stage."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import UserError


def network_input(image: np.ndarray, resize: int) -> torch.Tensor:
    """A batch of one: the uint8 (C, H, W) ``image`` in 0..1, resized as the run resized its images."""
    x = torch.from_numpy(image).float().div(255).unsqueeze(0)
    if resize and resize != x.shape[-1]:
        x = F.interpolate(x, size=(resize, resize), mode="bilinear", align_corners=False, antialias=True)
    return x


def top_k(
    model: nn.Module, image: np.ndarray, resize: int, class_names: tuple[str, ...], k: int = 5
) -> list[tuple[str, float]]:
    """The ``k`` most likely classes of one uint8 (C, H, W) image with their probabilities."""
    model.eval()
    with torch.no_grad():
        probs = F.softmax(model(network_input(image, resize)).float(), dim=1)[0]
    values, indices = probs.topk(min(k, len(class_names)))
    return [(class_names[i], float(v)) for v, i in zip(values.tolist(), indices.tolist(), strict=True)]


def stage_names(model: nn.Module) -> list[str]:
    """Names of the top-level layers whose output can be shown as feature maps."""
    return [name for name, _ in model.named_children() if name not in ("global_avg_pool", "fc")]


def feature_maps(model: nn.Module, image: np.ndarray, resize: int, layer: str) -> np.ndarray:
    """Activations (channels, H, W) at the output of top-level layer ``layer`` for one image."""
    if layer not in stage_names(model):
        raise UserError(f"No layer {layer!r} to show; choose one of {', '.join(stage_names(model))}.")
    model.eval()
    x = network_input(image, resize)
    with torch.no_grad():
        for name, child in model.named_children():
            x = child(x)
            if name == layer:
                return x[0].float().numpy()
    raise AssertionError("unreachable")
