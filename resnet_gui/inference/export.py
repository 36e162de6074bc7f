"""Exports: a run's metrics as CSV or JSON, a trained model as TorchScript or ONNX."""

from __future__ import annotations

import csv
import json
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch

from ..training.checkpoint import load_checkpoint
from ..settings.config import ModelConfig, RunConfig
from ..errors import UserError
from ..training.events import EpochEnd
from ..model.resnet import build_model

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
    mc = dict(ckpt["model_config"])
    mc["blocks"] = tuple(mc["blocks"])
    net = build_model(ModelConfig(**mc))
    net.load_state_dict(ckpt["model"])
    names = tuple(ckpt.get("class_names") or (f"class {i}" for i in range(net.fc[1].out_features)))
    shape = tuple(ckpt.get("image_shape") or (net[0].in_channels, 28, 28))
    return TrainedModel(net.eval(), RunConfig.from_dict(ckpt["config"]), names, shape,  # type: ignore[arg-type]
                        int(ckpt.get("epoch", 0)))


def example_input(image_shape: tuple[int, int, int], resize: int) -> torch.Tensor:
    """A batch of one input of the size the network was trained on (the data's, or the resize)."""
    c, h, w = image_shape
    return torch.rand(1, c, resize or h, resize or w)


def export_torchscript(checkpoint: str | Path, out: str | Path) -> Path:
    """Trace the checkpoint's network to a TorchScript file loadable with ``torch.jit.load``."""
    trained = load_trained(checkpoint)
    net, cfg, shape = trained.net, trained.config, trained.image_shape
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
    trained = load_trained(checkpoint)
    net = trained.net
    x = example_input(trained.image_shape, trained.config.data.resize)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), str(out), input_names=["images"], output_names=["logits"], verbose=False,
                          dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=65536)},))
    return Path(out)
