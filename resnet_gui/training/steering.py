"""Steering a running run: changes asked while it trains, applied by the engine before its next batch.

Whoever asks (the window, ``resnet-gui runs steer``) writes a change to the run history; the engine
reads the changes not yet applied through a ``ChangeSource`` before each batch and applies them:

- ``lr``: a new base learning rate; the schedule goes on from where it is, scaled to it;
- ``lr_scale``: the base learning rate (so the whole rest of the schedule) multiplied by the value;
- ``epochs``: the run's length (at least the epoch under way); the schedule is stretched or squeezed
  to end with the new last epoch, as a run started with that many epochs would;
- ``stop_after_epoch``: finish and checkpoint the epoch under way, then stop.

Each applied change is reported as a ``Steered`` event (the recorder marks where it was applied)
and kept in the checkpoints, so a resumed run goes on with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from ..settings.config import MAX_EPOCHS, SPECS, RunConfig
from .events import Steered
from .schedules import rate_ratios

if TYPE_CHECKING:  # the run history and the window read changes before torch is loaded
    import torch

SETTINGS = ("lr", "lr_scale", "epochs", "stop_after_epoch")
MAX_LR = float(SPECS["train.lr"].high or 10.0)


@dataclass(frozen=True)
class Change:
    """A change asked of a running run, not yet applied: its number in the run, the setting and the value."""

    seq: int
    setting: str
    value: float


class ChangeSource(Protocol):
    """Where the engine reads the changes asked of its run (cheap to call before every batch)."""

    def pending(self) -> list[Change]:
        """The changes not yet applied, in the order they were asked."""
        ...


def check_change(setting: str, value: float) -> str:
    """Why a change cannot be asked ("" when it can), in the words of the option that asks it."""
    if setting not in SETTINGS:
        return f"cannot change {setting!r}; use one of {', '.join(SETTINGS)}"
    if not math.isfinite(value):
        return f"{setting} must be a finite number, got {value}"
    if setting == "lr" and not 0 < value <= MAX_LR:
        return f"the learning rate must be greater than 0 and at most {MAX_LR:g}, got {value:g}"
    if setting == "lr_scale" and not 0 < value <= 1000:
        return f"the learning-rate factor must be greater than 0 and at most 1000, got {value:g}"
    if setting == "epochs" and (value != int(value) or not 1 <= value <= MAX_EPOCHS):
        return f"epochs must be a whole number from 1 to {MAX_EPOCHS}, got {value:g}"
    return ""


def describe_change(setting: str, value: float) -> str:
    """A change in a few words, as plot markers and run details show it: "lr ×0.5", "epochs 12"."""
    if setting == "lr":
        return f"lr {value:g}"
    if setting == "lr_scale":
        return f"lr ×{value:g}"
    if setting == "epochs":
        return f"epochs {int(value)}"
    if setting == "stop_after_epoch":
        return "stop after epoch"
    return f"{setting} {value:g}"


class Steering:
    """Applies a run's changes to its optimiser, schedule and settings; remembers those applied."""

    def __init__(
        self,
        source: ChangeSource | None,
        optimizer: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LambdaLR,
        steps_per_epoch: int,
    ) -> None:
        self.source, self.optimizer, self.scheduler = source, optimizer, scheduler
        self.ratios = rate_ratios(scheduler.base_lrs)  # as built, before a checkpoint's steered rates are loaded
        self.steps_per_epoch = steps_per_epoch
        self.applied: list[Steered] = []
        self.stop_after_epoch = False

    def record(self) -> list[dict[str, Any]]:
        """The applied changes as plain data, for a checkpoint."""
        return [asdict(c) for c in self.applied if c.setting != "stop_after_epoch"]

    def restore(self, cfg: RunConfig, applied: Iterable[dict[str, Any]]) -> RunConfig:
        """A resumed run's settings with its checkpoint's changes applied again (the learning rate itself
        comes back with the schedule's state); the schedule then follows the epochs."""
        for change in applied:
            steered = Steered(**change)
            self.applied.append(steered)
            cfg = self._settings(cfg, steered.setting, steered.value, steered.epoch)
        self._reschedule(cfg)
        return cfg

    def poll(self, cfg: RunConfig, epoch: int, batches_done: int) -> tuple[RunConfig, list[Steered]]:
        """Apply the changes asked since the last poll, before batch ``batches_done + 1`` of ``epoch``."""
        if self.source is None:
            return cfg, []
        seen = {c.seq for c in self.applied}
        news = [c for c in self.source.pending() if c.seq not in seen]
        if not news:
            return cfg, []
        steered = []
        for change in news:
            if change.setting == "stop_after_epoch":
                self.stop_after_epoch = True
                value = change.value
            else:
                cfg = self._settings(cfg, change.setting, change.value, epoch)
                value = float(cfg.train.epochs) if change.setting == "epochs" else change.value
            steered.append(Steered(change.seq, change.setting, value, epoch, batches_done))
        self._reschedule(cfg)
        self.applied.extend(steered)
        return cfg, steered

    def _settings(self, cfg: RunConfig, setting: str, value: float, epoch: int) -> RunConfig:
        """``cfg`` after one change (base learning rates scaled in place; epochs at least ``epoch``)."""
        t = cfg.train
        if setting in ("lr", "lr_scale"):
            base = value if setting == "lr" else t.lr * value
            base = min(max(base, 1e-12), MAX_LR)
            scaled: list[float | torch.Tensor] = [base * ratio for ratio in self.ratios]
            self.scheduler.base_lrs = scaled
            for group, group_base in zip(self.optimizer.param_groups, scaled, strict=True):
                group["initial_lr"] = group_base
            return replace(cfg, train=replace(t, lr=base))
        if setting == "epochs":
            epochs = max(int(value), epoch)
            # Fewer epochs keep the warm-up within them, and a progressively resized run still ends at the full size.
            warmup, full_size = min(t.warmup_epochs, epochs), min(t.full_size_epoch, epochs)
            return replace(cfg, train=replace(t, epochs=epochs, warmup_epochs=warmup, full_size_epoch=full_size))
        return cfg

    def _reschedule(self, cfg: RunConfig) -> None:
        """The schedule for ``cfg``'s epochs, and the learning rate of the next step set from it."""
        from .optimisation import schedule_factor

        factor = schedule_factor(cfg, self.steps_per_epoch)
        self.scheduler.lr_lambdas = [factor for _ in self.optimizer.param_groups]
        step = self.scheduler.last_epoch
        for group, base in zip(self.optimizer.param_groups, self.scheduler.base_lrs, strict=True):
            group["lr"] = base * factor(step)
