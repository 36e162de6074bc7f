"""A run's checkpoints during training: ``last.pt`` after every epoch and on stop, ``best.pt`` on a
new best test accuracy, and putting a resumed run's optimiser, schedule and random state back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .checkpoint import BEST, LAST, atomic_save
from .events import EpochEnd


class CheckpointFolder:
    """Where one run's checkpoints go; writes nothing when ``folder`` is None or ``writes`` is False
    (the other ranks of a distributed run)."""

    def __init__(self, folder: str | Path | None, writes: bool = True) -> None:
        self.folder = Path(folder) if folder else None
        self.writes = writes and self.folder is not None

    def epoch_end(self, ckpt: dict[str, Any], test_accs: list[float | None]) -> tuple[str | None, str | None]:
        """Save after an epoch; (last file, best file) written, None where not (``best.pt`` only after
        a scored epoch that is the best so far)."""
        if not self.writes or self.folder is None:
            return None, None
        last = self.folder / LAST
        atomic_save(ckpt, last)
        now = test_accs[-1]
        if now is None or now < max(acc for acc in test_accs if acc is not None):
            return str(last), None
        atomic_save(ckpt, self.folder / BEST)
        return str(last), str(self.folder / BEST)

    def stopped(self, ckpt: dict[str, Any]) -> str | None:
        """Save a stopped run's state (mid-epoch when it has one); the file written, or None."""
        if not self.writes or self.folder is None:
            return None
        last = self.folder / LAST
        atomic_save(ckpt, last)
        return str(last)


def epoch_state(
    order: torch.Tensor, next_batch: int, loss_sum: float, correct: float, seen: int, elapsed: float
) -> dict[str, Any] | None:
    """Where a stopped epoch was, for resuming it exactly (None before its first batch); the sums are
    over every rank of a distributed run (``distributed.epoch_totals``)."""
    if next_batch <= 0:
        return None
    return {
        "order": order,
        "next_batch": next_batch,
        "loss_sum": loss_sum,
        "correct": int(correct),
        "seen": seen,
        "elapsed": elapsed,
    }


def restore_training_state(
    ckpt: dict[str, Any],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    generator: torch.Generator,
    device: torch.device,
) -> tuple[list[EpochEnd], dict[str, Any] | None]:
    """Put a checkpoint's optimiser, schedule and random state back; (its epochs, its epoch state)."""
    optimizer.load_state_dict(ckpt["optimizer"])
    scheduler.load_state_dict(ckpt["scheduler"])
    torch.set_rng_state(ckpt["rng"]["torch"])
    generator.set_state(ckpt["rng"]["generator"])
    if "cuda" in ckpt["rng"] and device.type == "cuda":
        torch.cuda.set_rng_state_all(ckpt["rng"]["cuda"])
    return [EpochEnd(**e) for e in ckpt["history"]], ckpt.get("epoch_state")
