"""The optimiser, its learning-rate schedule, and running out of memory said in words."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from ..errors import TrainingError
from ..settings.config import RunConfig
from .muon import ConvMuon, is_filter
from .schedules import lr_factor


def make_optimizer(model: nn.Module, cfg: RunConfig) -> torch.optim.Optimizer:
    """Adam (the seed's), SGD with Nesterov momentum, or Muon for the filters and that SGD for the rest,
    with the configured weight decay (Muon's filters are normalised instead)."""
    t = cfg.train
    if t.optimizer == "muon":
        params = list(model.parameters())
        filters = [p for p in params if is_filter(p)]
        others = parameter_groups([p for p in params if not is_filter(p)], t.weight_decay, t.decay_norms)
        # The filters last: the first group is the one whose rate the engine reports as the learning rate.
        groups = [*others, {"params": filters, "lr": t.muon_lr, "muon": True}]
        return ConvMuon(groups, lr=t.lr, momentum=t.momentum)
    groups = parameter_groups(list(model.parameters()), t.weight_decay, t.decay_norms)
    if t.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=t.lr, momentum=t.momentum, nesterov=t.momentum > 0)
    return torch.optim.Adam(groups, lr=t.lr)


def parameter_groups(params: list[nn.Parameter], weight_decay: float, decay_norms: bool) -> list[dict[str, Any]]:
    """One group decaying every parameter, or the weights (2-D and up) decaying and the rest not.

    The batch norms' scales and shifts and the biases are the 1-D parameters. The grouping depends on the
    settings alone, so a checkpoint's optimiser state loads into the optimiser its settings build.
    """
    if decay_norms:
        return [{"params": params, "weight_decay": weight_decay}]
    return [
        {"params": [p for p in params if p.ndim > 1], "weight_decay": weight_decay},
        {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
    ]


def make_scheduler(
    optimizer: torch.optim.Optimizer, cfg: RunConfig, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """The per-step learning-rate schedule of ``cfg`` (see ``schedules.lr_factor``)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, schedule_factor(cfg, steps_per_epoch))


def schedule_factor(cfg: RunConfig, steps_per_epoch: int) -> Callable[[int], float]:
    """The factor ``cfg``'s schedule applies to the base learning rate at each step (0-based)."""
    t = cfg.train
    return lr_factor(t.schedule, t.epochs * steps_per_epoch, int(t.warmup_epochs * steps_per_epoch))


def _is_oom(err: BaseException) -> bool:
    return isinstance(err, (torch.OutOfMemoryError, MemoryError)) or (
        isinstance(err, RuntimeError) and ("out of memory" in str(err) or "can't allocate memory" in str(err))
    )


@contextlib.contextmanager
def out_of_memory_as_error(cfg: RunConfig, device: str) -> Iterator[None]:
    """Turn running out of memory (building the model or training) into a TrainingError saying what to lower."""
    try:
        yield
    except Exception as e:
        if not _is_oom(e):
            raise
        resize = f" and {cfg.data.resize} px" if cfg.data.resize else ""
        raise TrainingError(
            f"Out of memory on {device} at batch size {cfg.train.batch_size}{resize}: lower the "
            "batch size, the resize, or the network's channels or blocks."
        ) from None
