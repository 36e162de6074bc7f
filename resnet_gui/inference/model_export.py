"""A trained network exported for use outside the app: TorchScript or ONNX."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from ..errors import UserError
from ..files import atomic_writer
from .trained import example_input, load_trained

SUFFIXES = {"torchscript": ".ts.pt", "onnx": ".onnx"}


def default_export_path(checkpoint: str | Path, fmt: str) -> Path:
    """Beside the checkpoint, named after it: ``runs/7/best.pt`` -> ``runs/7/best.onnx``."""
    ckpt = Path(checkpoint)
    stem = ckpt.name[: -len(ckpt.suffix)] if ckpt.suffix else ckpt.name
    return ckpt.with_name(stem + SUFFIXES[fmt])


def check_target(checkpoint: str | Path, out: str | Path, force: bool = False) -> Path:
    """``out`` when it may be written: never the checkpoint itself, an existing file only with ``force``."""
    target = Path(out)
    if target.exists() and target.resolve() == Path(checkpoint).resolve():
        raise UserError(f"Refusing to write the export over its own checkpoint {checkpoint}: choose another --out.")
    if target.exists() and not force:
        raise UserError(f"{target} already exists: choose another file, or add --force to overwrite it.")
    return target


def export_torchscript(checkpoint: str | Path, out: str | Path) -> Path:
    """Trace the checkpoint's network to a TorchScript file loadable with ``torch.jit.load``."""
    trained = load_trained(checkpoint)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # TorchScript is deprecated upstream, still asked for
        traced = torch.jit.trace(trained.net, example_input(trained.image_shape, trained.config.data.resize))
        with atomic_writer(Path(out)) as f:
            torch.jit.save(traced, f)
    return Path(out)


def export_onnx(checkpoint: str | Path, out: str | Path) -> Path:
    """Export the checkpoint's network to ONNX with a dynamic batch size (needs the [onnx] extra)."""
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError:
        raise UserError(
            "ONNX export needs the onnx packages: pip install 'resnet-gui[onnx]' (or pip install onnx onnxscript)."
        ) from None
    trained = load_trained(checkpoint)
    x = example_input(trained.image_shape, trained.config.data.resize)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            trained.net,
            (x,),
            input_names=["images"],
            output_names=["logits"],
            verbose=False,
            dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=65536)},),
        )
    assert program is not None
    # One self-contained file (weights inside), written atomically: a network of this size always fits.
    with atomic_writer(Path(out)) as f:
        f.write(program.model_proto.SerializeToString())
    return Path(out)


def export_model(checkpoint: str | Path, out: str | Path, fmt: str) -> Path:
    """Export as ``fmt`` ("torchscript" or "onnx")."""
    if fmt not in SUFFIXES:
        raise UserError(f"Unknown export format {fmt!r}: choose torchscript or onnx.")
    return (export_onnx if fmt == "onnx" else export_torchscript)(checkpoint, out)
