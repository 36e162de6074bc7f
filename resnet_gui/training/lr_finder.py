"""The learning-rate range test (Smith 2015, as fastai's ``lr_find``): loss against a rising rate.

The run's own ``Trainer`` is built as ``fit`` builds it (network and its starting weights, device,
precision, channels_last, data, batches, optimiser, loss), then trained for ``steps`` batches with
the rate rising exponentially from ``start_lr`` to ``end_lr`` (the data is cycled when shorter),
recording each batch's loss. The test ends early once the smoothed loss exceeds four times its
minimum (it has diverged). With muon, the filters' rate rises in proportion (``train.muon_lr`` to
``train.lr``). The network's weights and the optimiser's state are put back
afterwards, so a model handed in is as it was. ``lr_rules`` reads the curve; ``lr_curve`` holds
what the test reports.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch

from ..data.batching import DeviceBatcher
from ..data.datasets import DataSet
from ..errors import Cancelled
from ..settings.config import RunConfig
from .lr_curve import (
    DEFAULT_END_LR,
    DEFAULT_START_LR,
    DIVERGED,
    MAX_STEPS,
    LrFindResult,
    LrFindStep,
    auto_steps,
    check_range,
)
from .lr_rules import Smoother, smoothing_beta, suggest
from .schedules import rate_ratios


def _cycled(batcher: DeviceBatcher, gen: torch.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Training batches without end: a fresh shuffle each pass, as epochs would."""
    while True:
        yield from batcher.batches(batcher.shuffled_order(gen), gen)


def find_lr(
    cfg: RunConfig,
    steps: int | None = None,
    start_lr: float = DEFAULT_START_LR,
    end_lr: float = DEFAULT_END_LR,
    progress: Callable[[LrFindStep], None] | None = None,
    stop: threading.Event | None = None,
    data: DataSet | None = None,
    **trainer_kwargs: Any,
) -> LrFindResult:
    """Run the range test for ``cfg``; ``progress`` gets every batch, ``stop`` ends it early (the curve so far).

    ``steps`` None: as many batches as fit in ``TIME_BUDGET_S`` here (see ``auto_steps``).

    ``data`` replaces loading the configured data set; further keywords (``model``,
    ``initial_state``, ``resume``) are ``Trainer``'s, giving the weights to start from.
    Raises UserError subclasses (bad settings, out of memory, cancelled before the first batch).
    """
    from .engine import Trainer
    from .optimisation import out_of_memory_as_error

    check_range(start_lr, end_lr, steps)
    stop = stop or threading.Event()
    with out_of_memory_as_error(cfg, cfg.train.device):
        trainer = Trainer(cfg, stop=stop, data=data, **trainer_kwargs)
    saved_weights = copy.deepcopy(trainer.net.state_dict())
    saved_optimizer = copy.deepcopy(trainer.optimizer.state_dict())
    start = time.perf_counter()
    try:
        with out_of_memory_as_error(cfg, trainer.device.type), trainer.memory_policy():
            curve = _run(trainer, (start_lr, end_lr, steps), progress, stop)
    finally:
        trainer.net.load_state_dict(saved_weights)
        trainer.optimizer.load_state_dict(saved_optimizer)
        trainer.optimizer.zero_grad(set_to_none=True)
    lrs, losses, smoothed, diverged, steps = curve
    if not lrs:
        raise Cancelled("The learning-rate test was stopped before its first batch.")
    return LrFindResult(
        tuple(lrs),
        tuple(losses),
        tuple(smoothed),
        suggest(lrs, smoothed),
        steps,
        diverged,
        not diverged and len(lrs) < steps,
        trainer.device.type,
        trainer.precision,
        cfg.train.batch_size,
        time.perf_counter() - start,
    )


def _run(
    trainer: Any,
    test: tuple[float, float, int | None],
    progress: Callable[[LrFindStep], None] | None,
    stop: threading.Event,
) -> tuple[list[float], list[float], list[float], bool, int]:
    """Train one batch per rate from start to end: (rates, losses, smoothed losses, diverged, steps).

    Without a number of steps, the first batch (always at the start rate) is timed to choose it.
    """
    from .precision import autocast

    start_lr, end_lr, steps = test
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    smoother = Smoother(smoothing_beta(steps or MAX_STEPS))
    best = math.inf
    batches = _cycled(trainer.train, trainer.gen)
    trainer.model.train()
    optimizer = trainer.optimizer
    ratios = rate_ratios(trainer.scheduler.base_lrs)
    i, lr = 1, start_lr
    while steps is None or i <= steps:
        if stop.is_set():
            break
        began = time.perf_counter()
        X, y = next(batches)
        for group, ratio in zip(optimizer.param_groups, ratios, strict=True):
            group["lr"] = lr * ratio
        with autocast(trainer.device, trainer.precision):
            loss = trainer.loss_fn(trainer.model(X), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        value = float(loss.item())
        if steps is None:
            steps = auto_steps(time.perf_counter() - began)
            smoother = Smoother(smoothing_beta(steps))
        if not math.isfinite(value):
            return lrs, losses, smoothed, True, steps
        smooth = smoother.add(value)
        lrs.append(lr)
        losses.append(value)
        smoothed.append(smooth)
        best = min(best, smooth)
        if progress is not None:
            progress(LrFindStep(i, steps, lr, value, smooth))
        if smooth > DIVERGED * best and i < steps:  # blowing up at the last rate ends nothing early
            return lrs, losses, smoothed, True, steps
        lr = start_lr * (end_lr / start_lr) ** (i / (steps - 1))
        i += 1
    return lrs, losses, smoothed, False, steps or 0
