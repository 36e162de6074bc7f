"""The training loop: the seed's ``train_ch5`` on device-resident data, reporting through callbacks.

Loss and correct counts accumulate on the device; the host reads them only every ``report_every_s`` seconds and at
the end of an epoch, so a GPU is never stalled per batch. Stop and pause requests (``threading.Event``) and changes
asked of the run (``steering``) are honoured before each batch; early stopping (``early_stop``) and a stop asked for
after the epoch end the run after an epoch. The test set is scored after every ``test_every``-th epoch and the last
one. With a checkpoint folder, the state is saved after every epoch (``last.pt``, and ``best.pt`` on a new best test
accuracy) and on stop, so a run can be resumed exactly where it ended, with the changes asked of it.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, cast

import torch
from torch import nn

from ..data.batching import DeviceBatcher
from ..data.datasets import DataSet, check_dataset, load_dataset
from ..errors import Cancelled, ConfigError, TrainingError
from ..inference.predictions import predict_batches, scored_after, view_count, views_for_epoch
from ..model.memory import check_run_fits
from ..model.resnet import build_model, count_params
from ..runs.status import RunStatus
from ..settings.config import RunConfig
from ..settings.image_sizes import epoch_side, steps_done
from ..settings.validation import validate
from .checkpoint import CheckpointError, architecture_difference, load_weights, make_checkpoint
from .core_share import CoreShare, cpu_training
from .devices import resolve_precision
from .distributed import DistContext, distributed_scores, epoch_totals, training_device
from .early_stop import EarlyStopping, stopped_early
from .events import BatchEnd, Callback, EpochEnd, EpochPredictions, Event, RunEnd, RunPaused, RunStarted
from .machine_load import LoadMeter
from .optimisation import make_optimizer, make_scheduler, out_of_memory_as_error
from .precision import autocast
from .saving import CheckpointFolder, epoch_state, restore_training_state
from .small_map_conv import use_small_map_weight_grads
from .steering import ChangeSource, Steering


@dataclass
class FitResult:
    """How the run ended, its epoch history and the trained model."""

    status: RunStatus
    history: list[EpochEnd] = field(default_factory=list)
    model: nn.Module | None = None
    device: str = ""
    precision: str = ""
    last_checkpoint: str | None = None
    best_checkpoint: str | None = None


class Trainer:
    """One run, set up in named steps (minGPT's shape): the model and the data may come from outside.

    ``data`` replaces loading the configured data set; ``model`` replaces building ``cfg.model``
    (its architecture must still be the one ``cfg.model`` describes, for checkpoints and resuming);
    ``changes`` is where changes asked of the running run are read (see ``steering``).
    """

    def __init__(
        self,
        cfg: RunConfig,
        callbacks: Sequence[Callback] = (),
        stop: threading.Event | None = None,
        pause: threading.Event | None = None,
        data: DataSet | None = None,
        model: nn.Module | None = None,
        report_every_s: float = 0.5,
        initial_state: dict[str, torch.Tensor] | None = None,
        checkpoint_dir: str | Path | None = None,
        resume: dict[str, Any] | None = None,
        dist_ctx: DistContext | None = None,
        changes: ChangeSource | None = None,
    ) -> None:
        problems = validate(cfg)
        if problems:
            raise ConfigError("; ".join(str(p) for p in problems))
        # ``asked`` is kept for checkpoints: a resumed run applies the changes to it again.
        self.cfg = self.asked = cfg
        self.callbacks, self.report_every_s = list(callbacks), report_every_s
        self.stop, self.pause = stop or threading.Event(), pause or threading.Event()
        self.dist = dist_ctx or DistContext()
        self.checkpoints = CheckpointFolder(checkpoint_dir, writes=self.dist.is_main)
        self.device = training_device(cfg.train.device, cfg.train.batch_size, self.dist)
        self.precision = resolve_precision(cfg.train.precision, self.device)
        dataset = self._load_data(data)
        check_run_fits(
            cfg, self.model_cfg, (dataset.train_x, dataset.test_x), self.device, self.precision, self.dist.world_size
        )  # refuse before the model is built
        self._seed()
        # Measured on the development CPU: channels_last is 7 % (96 px) to 33 % (28 px) faster in fp32
        # too, and more in bf16; cuDNN prefers it as well.
        self.channels_last = self.device.type in ("cpu", "cuda")
        self.net = self._build_model(dataset, model, resume["model"] if resume is not None else initial_state, resume)
        self.train, self.test = self._batchers(dataset)
        self.optimizer, self.scheduler = self._optimisation()
        self.steering = Steering(changes, self.optimizer, self.scheduler, len(self.train))
        self.early = EarlyStopping(cfg.train.early_stop_patience, cfg.train.early_stop_min_delta)
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.train.label_smoothing)
        self.model = self._wrap(self.net)
        self.history: list[EpochEnd] = []
        self.load, self.cores = LoadMeter(self.device), CoreShare()
        self.epoch_state: dict[str, Any] | None = None
        if resume is not None:
            self._restore(resume)
        self.result = FitResult(RunStatus.FINISHED, self.history, self.net, self.device.type, self.precision)

    def _load_data(self, data: DataSet | None) -> DataSet:
        """The configured data set (or ``data``), checked; the model follows its channels and classes."""
        dataset = data if data is not None else load_dataset(self.cfg.data, self.emit, self.stop)
        check_dataset(dataset)
        self.class_names, self.excluded = dataset.class_names, dataset.excluded
        self.test_labels, self.test_images = dataset.test_y.numpy(), dataset.test_x.numpy()
        c, h, w = dataset.train_x.shape[1:]
        self.image_shape = (int(c), int(h), int(w))
        self.model_cfg = replace(self.cfg.model, in_channels=dataset.channels, num_classes=len(dataset.class_names))
        return dataset

    def _seed(self) -> None:
        seed = self.cfg.train.seed
        if seed is not None:
            torch.manual_seed(seed)
        self.gen = torch.Generator().manual_seed(seed if seed is not None else time.time_ns() % 2**32)

    def _build_model(
        self,
        dataset: DataSet,
        model: nn.Module | None,
        state: dict[str, torch.Tensor] | None,
        resume: dict[str, Any] | None,
    ) -> nn.Module:
        """The network on the device, with the weights to start from and the CPU's fast bf16 path."""
        if resume is not None:
            diff = architecture_difference(resume, self.model_cfg)
            if diff:
                raise CheckpointError(diff)
        net = model if model is not None else build_model(self.model_cfg)
        if state is not None:
            load_weights(net, state)
        t = self.cfg.train
        if self.dist.enabled and t.sync_bn:
            net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
        net = net.to(self.device)
        if self.channels_last:
            net = net.to(memory_format=torch.channels_last)
        if self.device.type == "cpu" and self.precision == "bf16" and not t.compile:
            use_small_map_weight_grads(net)
        return net

    def _batchers(self, dataset: DataSet) -> tuple[DeviceBatcher, DeviceBatcher]:
        """Training batches (shuffled, augmented) and test batches (as stored), cut on the device."""
        t, resize = self.cfg.train, self.cfg.data.resize
        shard = self.dist.shard if self.dist.enabled else None
        self.full_side = resize or int(dataset.train_x.shape[-1])  # progressive resizing grows to it
        cut = partial(DeviceBatcher, device=self.device, resize=resize, channels_last=self.channels_last, shard=shard)
        train = cut(dataset.train_x, dataset.train_y, t.batch_size, augment=t.augment)
        return train, cut(dataset.test_x, dataset.test_y, t.batch_size)

    def _optimisation(self) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
        """The optimiser and its per-step learning-rate schedule."""
        optimizer = make_optimizer(self.net, self.cfg)
        return optimizer, make_scheduler(optimizer, self.cfg, len(self.train))

    def _wrap(self, net: nn.Module) -> nn.Module:
        """What the steps call: the network, under DDP when distributed, compiled when asked."""
        model = net
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            model = DistributedDataParallel(net, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        return cast(nn.Module, torch.compile(model)) if self.cfg.train.compile else model

    def emit(self, event: Event) -> None:
        """Hand ``event`` to every callback."""
        for cb in self.callbacks:
            cb(event)

    def _restore(self, ckpt: dict[str, Any]) -> None:
        history, self.epoch_state = restore_training_state(ckpt, self.optimizer, self.scheduler, self.gen, self.device)
        self.history.extend(history)
        self.cfg = self.steering.restore(self.cfg, ckpt.get("changes", []))
        self.early.replay(e.test_acc for e in history)

    def run(self) -> FitResult:
        """Train the remaining epochs; returns when finished or stopped."""
        t = self.cfg.train
        start_epoch = len(self.history) + 1
        sizes = (len(self.train), self.train.size, self.test.size)
        params = count_params(self.net)
        started = (t.epochs, *sizes, self.device.type, self.precision, self.class_names, params, start_epoch)
        self.emit(RunStarted(*started, t.batch_size, self.excluded))
        past: list[Event] = [*self.history, *self.steering.applied]  # a resumed run's past, its changes too
        for event in past:
            self.emit(event)
        self.run_start = time.perf_counter()
        self.start_step = self._steps(start_epoch, (self.epoch_state or {}).get("next_batch", 0))
        with out_of_memory_as_error(self.cfg, self.device.type), self.memory_policy():
            self._train_epochs(start_epoch)
        early = self.result.status == RunStatus.FINISHED_EARLY
        message = stopped_early(self.early.patience, self.early.min_delta, self.history) if early else ""
        self.emit(RunEnd(self.result.status, len(self.history), message))
        return self.result

    def memory_policy(self) -> contextlib.AbstractContextManager:
        """What ``run`` trains inside: on the CPU, freed memory kept for the next step, the cores shared."""
        return cpu_training(self.cores) if self.device.type == "cpu" else contextlib.nullcontext()

    def _train_epochs(self, start_epoch: int) -> None:
        epoch = start_epoch
        while epoch <= self.cfg.train.epochs:  # steering may change the epochs
            trained = self._train_epoch(epoch)
            if trained is None:
                self.result.status = RunStatus.STOPPED
                return
            eval_start = time.perf_counter()
            test_acc, test_loss, report = self._score(epoch)
            seconds = trained.seconds + time.perf_counter() - eval_start
            load = self.load.epoch()
            self.history.append(replace(trained, test_acc=test_acc, test_loss=test_loss, seconds=seconds, **load))
            self._steer(epoch, len(self.train))  # what was asked while it was tested goes into its checkpoint
            self._save_epoch_end()
            if report is not None:
                self.emit(report)
            self.emit(self.history[-1])
            if self._ends_after(epoch):
                return
            epoch += 1

    def _score(self, epoch: int) -> tuple[float | None, float | None, EpochPredictions | None]:
        """(test accuracy, test loss, predictions) after ``epoch``; Nones when the run does not score it."""
        if not self.dist.enabled:  # a stop asked for after this epoch scores it (ranks could disagree on that)
            self._steer(epoch, len(self.train))
        if not (scored_after(self.cfg.train, epoch) or (self.steering.stop_after_epoch and not self.dist.enabled)):
            return None, None, None
        views, cast_to = views_for_epoch(self.cfg.train, epoch), autocast(self.device, self.precision)
        if self.dist.enabled:
            return (*distributed_scores(self.model, self.test, self.dist, cast_to, *views), None)
        found = predict_batches(self.model, self.test, cast_to, *views)
        report = EpochPredictions(
            epoch, self.test_labels, *found, self.class_names, self.test_images, view_count(*views)
        )
        return report.accuracy, report.loss, report

    def _ends_after(self, epoch: int) -> bool:
        """Whether early stopping, or a stop asked for after this epoch, ends the run before the last epoch."""
        if epoch >= self.cfg.train.epochs:
            return False
        if self.early.update(self.history[-1].test_acc):
            self.result.status = RunStatus.FINISHED_EARLY
        elif self.steering.stop_after_epoch:
            self.result.status = RunStatus.STOPPED
        return self.result.status != RunStatus.FINISHED

    def _steer(self, epoch: int, batches_done: int) -> None:
        self.cfg, steered = self.steering.poll(self.cfg, epoch, batches_done)
        for event in steered:
            self.emit(event)

    def _should_stop(self, batch: int) -> bool:
        if not self.dist.enabled:
            return self.stop.is_set()
        # Ranks agree at fixed batches so that all stop at the same one (a collective can't be skipped).
        return batch % (10 if self.device.type == "cuda" else 1) == 0 and self.dist.any(self.stop.is_set(), self.device)

    def _steps(self, epoch: int, batch: int) -> float:
        """Steps done by ``batch`` of ``epoch`` counted by their pixels, as the run's settings are now (steered too)."""
        return steps_done(self.cfg.train, self.full_side, epoch, batch, len(self.train))

    def _wait_while_paused(self, epoch: int, batches_done: int) -> None:
        if not self.pause.is_set() or self.stop.is_set():
            return
        self.emit(RunPaused(epoch, batches_done))
        while self.pause.is_set() and not self.stop.is_set():
            time.sleep(0.05)

    def _train_epoch(self, epoch: int) -> EpochEnd | None:
        """Train one epoch: its EpochEnd without the test accuracy, or None when stopped part-way."""
        self.model.train()
        self.load.start_epoch()
        self.train.resize = self.test.resize = epoch_side(self.cfg.train, self.full_side, epoch)
        state = self.epoch_state or {}
        self.epoch_state = None
        order = state.get("order")
        if order is None:
            order = self.train.shuffled_order(self.gen)
        first = state.get("next_batch", 0)
        loss_sum, correct, seen = self.dist.epoch_so_far(state, self.device)
        n_batches = len(self.train)
        start = time.perf_counter() - state.get("elapsed", 0.0)
        reported_loss, reported_batch, last_report = float(loss_sum), first, time.perf_counter()
        lr = self.optimizer.param_groups[0]["lr"]
        # The stop check comes before the next batch is cut, so the augmentation RNG is not yet
        # advanced for a batch that a resumed run will cut again.
        batches = self.train.batches(order, self.gen, first)
        for b in range(first + 1, n_batches + 1):
            self._wait_while_paused(epoch, b - 1)
            self._steer(epoch, b - 1)
            if self._should_stop(b):
                totals = epoch_totals(self.dist, loss_sum, correct, seen)  # every rank's, resumable by any number
                self._save_stopped(epoch, epoch_state(order, b - 1, *totals, time.perf_counter() - start))
                return None
            X, y = next(batches)
            with autocast(self.device, self.precision):
                y_hat = self.model(X)
                loss = self.loss_fn(y_hat, y)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.scheduler.step()
            loss_sum += loss.detach()
            correct += (y_hat.argmax(dim=1) == y).sum()
            seen += len(y)
            now = time.perf_counter()
            if now - last_report >= self.report_every_s or b == n_batches:
                self.cores.adjust()
                total = loss_sum.item()
                chunk = (total - reported_loss) / (b - reported_batch)
                if not math.isfinite(chunk):
                    raise TrainingError(
                        f"The loss became {chunk} in epoch {epoch}, batch {b}: training "
                        "diverged. Lower the learning rate (e.g. by 10x) and train again."
                    )
                done = self._steps(epoch, b)
                rate = (now - self.run_start) / max(0.1, done - self.start_step)
                self.emit(
                    BatchEnd(
                        epoch,
                        b,
                        n_batches,
                        chunk,
                        seen / (now - start),
                        now - self.run_start,
                        rate * (self._steps(self.cfg.train.epochs, n_batches) - done),
                        self.optimizer.param_groups[0]["lr"],
                        **self.load.now(),
                    )
                )
                reported_loss, reported_batch, last_report = total, b, now
        elapsed = time.perf_counter() - start
        loss_total, correct_total, seen = epoch_totals(self.dist, loss_sum, correct, seen)
        return EpochEnd(epoch, loss_total / n_batches, correct_total / seen, None, elapsed, seen / elapsed, lr)

    def _checkpoint(self, epochs_done: int, epoch_state: dict[str, Any] | None = None) -> dict[str, Any]:
        ckpt = make_checkpoint(
            self.asked,
            self.model_cfg,
            self.net,
            self.optimizer,
            self.scheduler,
            epochs_done,
            self.history,
            self.gen,
            epoch_state,
            self.class_names,
            self.image_shape,
        )
        return {**ckpt, "changes": self.steering.record()}

    def _save_epoch_end(self) -> None:
        last, best = self.checkpoints.epoch_end(self._checkpoint(len(self.history)), [e.test_acc for e in self.history])
        self.result.last_checkpoint = last or self.result.last_checkpoint
        self.result.best_checkpoint = best or self.result.best_checkpoint

    def _save_stopped(self, epoch: int, state: dict[str, Any] | None) -> None:
        if self.checkpoints.writes:
            self.result.last_checkpoint = self.checkpoints.stopped(self._checkpoint(epoch - 1, state))


def fit(
    cfg: RunConfig,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
    data: DataSet | None = None,
    report_every_s: float = 0.5,
    **kwargs: Any,
) -> FitResult:
    """Train as ``cfg`` says; raise UserError subclasses with a message for anything the user can fix.

    ``data`` replaces loading the configured data set. Further keywords (``pause``,
    ``initial_state``, ``checkpoint_dir``, ``resume``) are those of ``Trainer``.
    """
    try:
        with out_of_memory_as_error(cfg, cfg.train.device):
            trainer = Trainer(cfg, callbacks, stop, data=data, report_every_s=report_every_s, **kwargs)
    except Cancelled:
        for cb in callbacks:
            cb(RunEnd(RunStatus.STOPPED, 0))
        return FitResult(RunStatus.STOPPED)
    return trainer.run()
