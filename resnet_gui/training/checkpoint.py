"""Checkpoints: everything needed to continue a run, written atomically, read without running code.

torch is imported where it is used, so the run history (which names checkpoint files) stays
importable before torch loads. A checkpoint is a plain dict of tensors, numbers and strings saved
with ``torch.save`` and read with ``torch.load(weights_only=True)``, so a file from elsewhere can
never execute code. It is written to a temp file, fsynced and renamed, so a crash leaves the previous checkpoint intact.
"""

from __future__ import annotations

import pickle
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ..files import atomic_writer
from ..settings.config import ModelConfig, RunConfig

if TYPE_CHECKING:
    import torch
    from torch import nn

    from ..runs.store import RunRecord

FORMAT = "resnet-gui-checkpoint"
VERSION = 1
LAST = "last.pt"
BEST = "best.pt"


class CheckpointError(UserError):
    """A checkpoint that cannot be used: unreadable, unsafe, or for another architecture."""


def atomic_save(obj: Any, path: Path) -> None:
    """``torch.save`` to a temp file in the same folder, fsync it, then rename over ``path``."""
    import torch

    with atomic_writer(path, "wb") as f:
        torch.save(obj, f)


def resume_position(ckpt: dict[str, Any]) -> tuple[int, int]:
    """Where a checkpoint left off: (epochs done, batches done in the epoch after them)."""
    return int(ckpt["epoch"]), int((ckpt.get("epoch_state") or {}).get("next_batch", 0))


def make_checkpoint(
    cfg: RunConfig,
    model_cfg: ModelConfig,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    epoch: int,
    history: list[Any],
    generator: torch.Generator,
    epoch_state: dict[str, Any] | None = None,
    class_names: tuple[str, ...] = (),
    image_shape: tuple[int, int, int] | None = None,
) -> dict[str, Any]:
    """The checkpoint dict: model, optimizer, scheduler, RNG states, epoch, metrics and config.

    ``epoch`` is the number of completed epochs; ``epoch_state`` holds the position inside a
    partly trained epoch (its shuffle order, next batch and running sums) when stopped mid-epoch.
    """
    import torch

    ckpt: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "config": cfg.to_dict(),
        "model_config": {**asdict(model_cfg), "blocks": list(model_cfg.blocks)},
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": epoch,
        "history": [asdict(e) for e in history],
        "rng": {"torch": torch.get_rng_state(), "generator": generator.get_state()},
        "torch_version": str(torch.__version__),
        "class_names": list(class_names),
        "image_shape": list(image_shape) if image_shape else None,  # (C, H, W) of the data, before resize
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        ckpt["rng"]["cuda"] = torch.cuda.get_rng_state_all()
    if epoch_state is not None:
        ckpt["epoch_state"] = epoch_state
    return ckpt


def load_last_checkpoint(run: RunRecord, instead: str) -> dict[str, Any]:
    """``run``'s last checkpoint, loaded; a UserError when it has none, ending with what to do ``instead``."""
    if not run.last_checkpoint:
        raise UserError(f"Run {run.id} has no checkpoint yet (it ended before its first epoch): {instead}.")
    return load_checkpoint(run.last_checkpoint)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint safely; CheckpointError with the reason when it can't be used."""
    import torch

    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"No checkpoint at {p}.")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        # torch words it "Unsupported global" in some versions and "unsupported GLOBAL" in others.
        detail = next((line.strip() for line in str(e).splitlines() if "unsupported global" in line.lower()), "")
        if not detail:
            raise CheckpointError(f"{p} is not a readable checkpoint ({str(e).splitlines()[-1]}).") from None
        raise CheckpointError(
            f"Refused to load {p} as unsafe: it holds objects other than tensors and plain "
            f"data, which could run code when loaded. {detail}"
        ) from None
    except Exception as e:  # noqa: BLE001 - truncated or foreign files raise a variety of errors
        raise CheckpointError(f"{p} is not a readable checkpoint ({type(e).__name__}: {e}).") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{p} is not a resnet-gui checkpoint.")
    version = ckpt.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise CheckpointError(f"{p} is damaged: its format version is {version!r}, not a whole number.")
    if version > VERSION:
        raise CheckpointError(f"{p} was written by a newer resnet-gui (format {version}); upgrade.")
    return ckpt


def architecture_difference(ckpt: dict[str, Any], model_cfg: ModelConfig) -> str | None:
    """None when ``ckpt`` fits ``model_cfg``; else a sentence naming the settings that differ."""
    saved = ckpt.get("model_config", {})
    wanted = {**asdict(model_cfg), "blocks": list(model_cfg.blocks)}
    diffs = [f"{k} {saved.get(k)!r} in the checkpoint vs {v!r} here" for k, v in wanted.items() if saved.get(k) != v]
    return ("The checkpoint is for another architecture: " + "; ".join(diffs) + ".") if diffs else None


def load_weights(net: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Put ``state`` into ``net``; CheckpointError when the weights do not fit it."""
    try:
        net.load_state_dict(state)
    except RuntimeError as e:  # a model_config that does not describe the weights stored with it
        raise CheckpointError(
            f"The checkpoint's weights do not fit its network ({str(e).splitlines()[0]}): it is damaged."
        ) from None
