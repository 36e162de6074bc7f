"""Data-parallel training under torchrun: process-group setup, sharding and metric reduction.

``torchrun --nproc-per-node N -m resnet_gui train ...`` sets RANK, WORLD_SIZE and LOCAL_RANK;
``DistContext.from_env`` turns them into a process group (NCCL on GPUs, Gloo on the CPU).
Every rank draws the same shuffle order, takes its slice of each global batch, and sums its
loss and correct counts with the others, so the epoch line equals a single-process run's.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from ..data.batching import DeviceBatcher
from ..errors import ConfigError, UserError
from ..inference.metrics import MIN_PROB
from ..inference.predictions import class_probabilities
from .devices import resolve_device

# How Gloo says that a peer process went away in the middle of a collective.
PEER_LOST = ("Connection closed by peer", "Connection reset by peer")


@dataclass(frozen=True)
class DistContext:
    """This process's place in the run: rank, world size and local rank (0, 1, 0 alone)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Only the main rank writes the database, checkpoints and logs."""
        return self.rank == 0

    @classmethod
    def from_env(cls) -> DistContext:
        """The context torchrun describes in the environment (a single process without it)."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        return cls(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))

    def device(self, requested: torch.device) -> torch.device:
        """One GPU per local rank on CUDA; the requested device otherwise."""
        if self.enabled and requested.type == "cuda":
            return torch.device("cuda", self.local_rank)
        return requested

    def init(self, device: torch.device) -> None:
        """Join the process group (NCCL for CUDA, Gloo otherwise) if not joined yet."""
        if not self.enabled or dist.is_initialized():
            return
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    def shard(self, global_batch: torch.Tensor) -> torch.Tensor:
        """This rank's part of a global batch of indices (rank, rank + world, ...)."""
        return global_batch[self.rank :: self.world_size] if self.enabled else global_batch

    def sum(self, value: torch.Tensor) -> torch.Tensor:
        """``value`` summed over all ranks (in place when distributed)."""
        if self.enabled:
            dist.all_reduce(value, op=dist.ReduceOp.SUM)
        return value

    def any(self, flag: bool, device: torch.device) -> bool:
        """True when ``flag`` is set on any rank (used so every rank stops at the same batch)."""
        if not self.enabled:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())

    def epoch_so_far(
        self, state: dict[str, Any] | None, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor, int]:
        """This rank's (loss sum, correct count, images seen) to go on from in a stopped epoch (zeros for a new one).

        A checkpoint holds the sums over every rank (``epoch_totals``): each rank takes the loss, which
        ``epoch_totals`` averages over ranks, and its share of the counts, which it adds up; the main rank
        takes what does not split evenly. So the epoch's figures come out as if it had not stopped, whatever
        number of processes resumes it.
        """
        state = state or {}

        def share(total: int) -> int:
            return total // self.world_size + (total % self.world_size if self.is_main else 0)

        loss = torch.tensor(state.get("loss_sum", 0.0), device=device)
        correct = torch.tensor(share(int(state.get("correct", 0))), dtype=torch.long, device=device)
        return loss, correct, share(int(state.get("seen", 0)))

    def close(self, wait_for_peers: bool = True) -> None:
        """Leave the process group (if still in it): at the end of a run once every rank is there, since leaving
        while a peer is still in a collective aborts it; at once after this rank failed, for its peers would wait
        in their next collective forever (on the CPU, the run hung). Gone, it makes theirs fail, and torchrun
        then stops them all."""
        if self.enabled and dist.is_initialized():
            if wait_for_peers:
                dist.barrier()
            dist.destroy_process_group()  # exiting without it aborts the process ("terminate called ...")

    def peer_lost(self, error: BaseException) -> UserError | None:
        """What to say instead of ``error`` when it only means that another rank of the run ended first
        (Gloo's "Connection closed by peer"): the cause is in that rank's message; None otherwise."""
        if not self.enabled or not any(lost in str(error) for lost in PEER_LOST):
            return None
        return UserError(
            f"process {self.rank} of {self.world_size} stopped: another process of this run ended first "
            "(its message is above)"
        )


def distributed_scores(
    model: nn.Module,
    test: DeviceBatcher,
    ctx: DistContext,
    autocast_ctx: contextlib.AbstractContextManager,
    flips: bool,
    shifts: bool = False,
) -> tuple[float, float]:
    """Test accuracy and loss, each rank scoring its shard of ``test`` and the sums added over ranks."""
    model.eval()
    device = next(model.parameters()).device
    correct = torch.zeros((), dtype=torch.long, device=device)
    loss = torch.zeros((), dtype=torch.float64, device=device)
    with torch.no_grad(), autocast_ctx:
        for X, y in test.batches():
            scores = class_probabilities(model, X, flips, shifts)
            correct += (scores.argmax(dim=1) == y).sum()
            loss -= scores.float().gather(1, y[:, None]).clamp_min(MIN_PROB).log().sum().double()
    model.train()
    return ctx.sum(correct).item() / test.size, ctx.sum(loss).item() / test.size


def epoch_totals(
    ctx: DistContext, loss_sum: torch.Tensor, correct: torch.Tensor, seen: int
) -> tuple[float, float, int]:
    """An epoch's (loss sum, correct count, images seen) over every rank (this process's alone when not distributed)."""
    if not ctx.enabled:
        return loss_sum.item(), correct.item(), seen
    device = loss_sum.device
    parts = [loss_sum.float() / ctx.world_size, correct.float(), torch.tensor(float(seen), device=device)]
    totals = ctx.sum(torch.stack(parts))
    return totals[0].item(), totals[1].item(), int(totals[2].item())


def training_device(requested: str, batch_size: int, ctx: DistContext) -> torch.device:
    """The training device (one GPU per local rank under torchrun), with the process group joined."""
    try:
        device = ctx.device(resolve_device(requested))
    except ValueError as e:
        raise ConfigError(f"train.device: {e}") from None
    if ctx.enabled and batch_size % ctx.world_size:
        raise ConfigError(
            f"train.batch_size: {batch_size} does not split evenly over "
            f"{ctx.world_size} processes; use a multiple of {ctx.world_size}"
        )
    ctx.init(device)
    # cuDNN's autotuner (torch.backends.cudnn.benchmark) stays off, PyTorch's default: on an H200 it
    # added 2-12 s to the first epoch and nothing to the later ones (the seed's 96 px epochs took
    # 2.25-2.59 s with it, 2.08-2.22 s without; docs/benchmarks.md, "GPU check").
    return device
