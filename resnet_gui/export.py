"""Exports: a run's metrics as CSV or JSON, a trained model as TorchScript or ONNX."""

from __future__ import annotations

import csv
import json
import warnings
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import torch

from .checkpoint import load_checkpoint
from .config import ModelConfig, RunConfig
from .errors import UserError
from .events import EpochEnd
from .model import build_model

EPOCH_FIELDS = tuple(f.name for f in fields(EpochEnd))


def write_metrics_csv(epochs: list[EpochEnd], path: str | Path) -> None:
    """One row per epoch: epoch, loss, train_acc, test_acc, seconds, images_per_s, lr."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=EPOCH_FIELDS)
        writer.writeheader()
        writer.writerows(asdict(e) for e in epochs)


def write_metrics_json(epochs: list[EpochEnd], path: str | Path, extra: dict[str, Any] | None = None) -> None:
    """A JSON document with ``epochs`` (a list of per-epoch dicts) plus any ``extra`` fields."""
    doc = {**(extra or {}), "epochs": [asdict(e) for e in epochs]}
    Path(path).write_text(json.dumps(doc, indent=2), encoding="utf-8")


def model_from_checkpoint(path: str | Path) -> tuple[torch.nn.Module, RunConfig]:
    """The trained network of a checkpoint in eval mode, with the run's settings."""
    return model_and_info(path)[:2]  # type: ignore[return-value]


def model_and_info(path: str | Path) -> tuple[torch.nn.Module, RunConfig, tuple[str, ...], tuple[int, int, int]]:
    """The network, the run's settings, its class names and the (C, H, W) of its data before resizing."""
    ckpt = load_checkpoint(path)
    mc = dict(ckpt["model_config"])
    mc["blocks"] = tuple(mc["blocks"])
    net = build_model(ModelConfig(**mc))
    net.load_state_dict(ckpt["model"])
    cfg = RunConfig.from_dict(ckpt["config"])
    names = tuple(ckpt.get("class_names") or (f"class {i}" for i in range(net.fc[1].out_features)))
    shape = tuple(ckpt.get("image_shape") or (net[0].in_channels, 28, 28))
    return net.eval(), cfg, names, shape  # type: ignore[return-value]


def example_input(image_shape: tuple[int, int, int], resize: int) -> torch.Tensor:
    """A batch of one input of the size the network was trained on (the data's, or the resize)."""
    c, h, w = image_shape
    return torch.rand(1, c, resize or h, resize or w)


def export_torchscript(checkpoint: str | Path, out: str | Path) -> Path:
    """Trace the checkpoint's network to a TorchScript file loadable with ``torch.jit.load``."""
    net, cfg, _, shape = model_and_info(checkpoint)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # TorchScript is deprecated upstream but still the asked-for format
        traced = torch.jit.trace(net, example_input(shape, cfg.data.resize))
        traced.save(str(out))
    return Path(out)


def export_onnx(checkpoint: str | Path, out: str | Path) -> Path:
    """Export the checkpoint's network to ONNX with a dynamic batch size (needs the [onnx] extra)."""
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError:
        raise UserError("ONNX export needs the onnx packages: pip install 'resnet-gui[onnx]' "
                        "(or pip install onnx onnxscript).") from None
    net, cfg, _, shape = model_and_info(checkpoint)
    x = example_input(shape, cfg.data.resize)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), str(out), input_names=["images"], output_names=["logits"], verbose=False,
                          dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=65536)},))
    return Path(out)
