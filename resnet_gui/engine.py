"""The training loop: the seed's ``train_ch5`` on device-resident data, reporting through callbacks.

Loss and correct counts accumulate on the device; the host reads them only every
``report_every_s`` seconds and at the end of an epoch, so a GPU is never stalled per batch.
A stop request (a ``threading.Event``) is honoured before each batch.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import torch
from torch import nn

from .batching import DeviceBatcher
from .config import RunConfig, validate
from .data import DataSet, check_dataset, load_dataset
from .devices import resolve_device, resolve_precision
from .errors import ConfigError, TrainingError
from .events import BatchEnd, Callback, EpochEnd, Event, RunEnd, RunStarted
from .model import build_model, count_params
from .schedules import lr_factor


@dataclass
class FitResult:
    """How the run ended, its epoch history and the trained model."""

    status: str
    history: list[EpochEnd] = field(default_factory=list)
    model: nn.Module | None = None
    device: str = ""
    precision: str = ""


def _autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def make_optimizer(model: nn.Module, cfg: RunConfig) -> torch.optim.Optimizer:
    """Adam (the seed's) or SGD with momentum, with the configured weight decay."""
    t = cfg.train
    if t.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=t.lr, momentum=t.momentum,
                               weight_decay=t.weight_decay, nesterov=t.momentum > 0)
    return torch.optim.Adam(model.parameters(), lr=t.lr, weight_decay=t.weight_decay)


def evaluate(model: nn.Module, batches: DeviceBatcher, precision: str) -> float:
    """Accuracy on ``batches`` in eval mode (one host sync at the end)."""
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=batches.device)
    with torch.no_grad(), _autocast(batches.device, precision):
        for X, y in batches.batches(shuffle=False):
            correct += (model(X).argmax(dim=1) == y).sum()
    model.train()
    return correct.item() / max(1, batches.size)


def _is_oom(err: BaseException) -> bool:
    return isinstance(err, (torch.OutOfMemoryError, MemoryError)) or (
        isinstance(err, RuntimeError) and ("out of memory" in str(err) or "can't allocate memory" in str(err)))


def fit(cfg: RunConfig, callbacks: Sequence[Callback] = (), stop: threading.Event | None = None,
        data: DataSet | None = None, report_every_s: float = 0.5,
        initial_state: dict[str, torch.Tensor] | None = None) -> FitResult:
    """Train as ``cfg`` says; raise UserError subclasses with a message for anything the user can fix.

    ``data`` replaces loading the configured data set; ``initial_state`` is a model state dict to
    start from instead of a fresh initialisation.
    """
    problems = validate(cfg)
    if problems:
        raise ConfigError("; ".join(str(p) for p in problems))

    def emit(event: Event) -> None:
        for cb in callbacks:
            cb(event)

    stop = stop or threading.Event()
    try:
        device = resolve_device(cfg.train.device)
    except ValueError as e:
        raise ConfigError(f"train.device: {e}") from None
    precision = resolve_precision(cfg.train.precision, device)
    dataset = data if data is not None else load_dataset(cfg.data, emit)
    check_dataset(dataset)
    # The model follows the data: its channels and classes come from the data set.
    model_cfg = replace(cfg.model, in_channels=dataset.channels, num_classes=len(dataset.class_names))
    if cfg.train.seed is not None:
        torch.manual_seed(cfg.train.seed)
    gen = torch.Generator().manual_seed(cfg.train.seed if cfg.train.seed is not None else
                                        int(time.time_ns() % 2**32))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    channels_last = precision == "bf16" or device.type == "cuda"
    net = build_model(model_cfg)
    if initial_state is not None:
        net.load_state_dict(initial_state)
    net = net.to(device)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    t = cfg.train
    train = DeviceBatcher(dataset.train_x, dataset.train_y, t.batch_size, device, cfg.data.resize,
                          augment=t.augment, channels_last=channels_last)
    test = DeviceBatcher(dataset.test_x, dataset.test_y, t.batch_size, device, cfg.data.resize,
                         channels_last=channels_last)
    optimizer = make_optimizer(net, cfg)
    steps = len(train)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lr_factor(t.schedule, t.epochs * steps, int(t.warmup_epochs * steps)))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=t.label_smoothing)
    model = torch.compile(net) if t.compile else net
    emit(RunStarted(t.epochs, steps, train.size, test.size, device.type, precision,
                    dataset.class_names, count_params(net)))

    result = FitResult("finished", model=net, device=device.type, precision=precision)
    run_start = time.perf_counter()
    try:
        for epoch in range(1, t.epochs + 1):
            if not _train_epoch(model, train, optimizer, scheduler, loss_fn, precision, gen, epoch,
                                t.epochs, run_start, stop, emit, result, report_every_s):
                result.status = "stopped"
                break
            test_acc = evaluate(model, test, precision)
            result.history[-1] = replace(result.history[-1], test_acc=test_acc,
                                         seconds=time.perf_counter() - result.history[-1].seconds)
            emit(result.history[-1])
    except Exception as e:
        if _is_oom(e):
            raise TrainingError(f"Out of memory on {device.type} at batch size {t.batch_size}"
                                f"{f' and {cfg.data.resize} px' if cfg.data.resize else ''}: "
                                "lower the batch size or the resize.") from None
        raise
    emit(RunEnd(result.status, len(result.history)))
    return result


def _train_epoch(model: nn.Module, train: DeviceBatcher, optimizer: torch.optim.Optimizer,
                 scheduler: torch.optim.lr_scheduler.LRScheduler, loss_fn: nn.Module, precision: str,
                 gen: torch.Generator, epoch: int, epochs: int, run_start: float,
                 stop: threading.Event, emit: Callback, result: FitResult, report_every_s: float) -> bool:
    """One epoch; appends a provisional EpochEnd (test accuracy filled in by the caller).

    Returns False when a stop was requested before the epoch was complete.
    """
    model.train()
    device = train.device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    n_batches = len(train)
    start = last_report = time.perf_counter()
    reported_loss, reported_batch, seen = 0.0, 0, 0
    lr = optimizer.param_groups[0]["lr"]
    for b, (X, y) in enumerate(train.batches(shuffle=True, generator=gen), start=1):
        if stop.is_set():
            return False
        with _autocast(device, precision):
            y_hat = model(X)
            loss = loss_fn(y_hat, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        loss_sum += loss.detach()
        correct += (y_hat.argmax(dim=1) == y).sum()
        seen += len(y)
        now = time.perf_counter()
        if now - last_report >= report_every_s or b == n_batches:
            total = loss_sum.item()
            chunk = (total - reported_loss) / (b - reported_batch)
            if not math.isfinite(chunk):
                raise TrainingError(f"The loss became {chunk} in epoch {epoch}, batch {b}: training "
                                    "diverged. Lower the learning rate (e.g. by 10x) and train again.")
            elapsed = now - start
            done = (epoch - 1) * n_batches + b
            eta = (now - run_start) / done * (epochs * n_batches - done)
            emit(BatchEnd(epoch, b, n_batches, chunk, seen / elapsed, now - run_start, eta))
            reported_loss, reported_batch, last_report = total, b, now
    elapsed = time.perf_counter() - start
    result.history.append(EpochEnd(epoch, loss_sum.item() / n_batches, correct.item() / seen, 0.0,
                                   start, seen / elapsed, lr))
    return True
