"""A trained network loaded from its checkpoint, with the settings and data shape it was trained on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..model.resnet import build_model, classes_of, input_channels_of
from ..settings.config import ModelConfig, RunConfig
from ..training.checkpoint import CheckpointError, load_checkpoint


@dataclass(frozen=True)
class TrainedModel:
    """A checkpoint's network in eval mode with what it was trained on."""

    net: torch.nn.Module
    config: RunConfig
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]  # (C, H, W) of the data before the run's resize
    epochs: int  # epochs completed when the checkpoint was written


def load_trained(path: str | Path) -> TrainedModel:
    """The network of the checkpoint at ``path`` with the run's settings, class names and data shape."""
    ckpt = load_checkpoint(path)
    try:
        mc = dict(ckpt["model_config"])
        mc["blocks"] = tuple(mc["blocks"])
        net = build_model(ModelConfig(**mc))
        net.load_state_dict(ckpt["model"])
        config = RunConfig.from_dict(ckpt["config"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(
            f"{path} does not hold a usable network ({type(e).__name__}: {str(e).splitlines()[0]})."
        ) from None
    classes = classes_of(net)
    names = tuple(ckpt.get("class_names") or (f"class {i}" for i in range(classes)))
    c, h, w = tuple(ckpt.get("image_shape") or (input_channels_of(net), 28, 28))
    return TrainedModel(net.eval(), config, names, (int(c), int(h), int(w)), int(ckpt.get("epoch", 0)))


def example_input(image_shape: tuple[int, int, int], resize: int) -> torch.Tensor:
    """A batch of one input of the size the network was trained on (the data's, or the resize)."""
    c, h, w = image_shape
    return torch.rand(1, c, resize or h, resize or w)
