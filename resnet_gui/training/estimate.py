"""What a run will cost before it starts: its parameters and memory, and how long it will take here.

``estimate_run`` builds the run's ``Trainer`` as ``fit`` does (network, precision, channels_last,
compilation, optimiser, schedule, checkpoints) on a small synthetic data set of the real image
shape, and trains two short epochs of it through ``Trainer.run`` as a run goes: progress reports
at the engine's pace, written to a throwaway run history, and checkpoints saved. The first epoch
warms up (kernel selection, compilation, the heap's growth); from the second it takes one
training step and one test batch (``EpochEnd.seconds`` counts training and testing,
``images_per_s`` training alone) and what else an epoch costs (checkpoints, records, shuffling);
the first epoch's excess and the setup (building the run, loading the data when it is on disk)
are counted once. These are scaled by the real data set's batches and the epochs. A
configuration whose steps are short is timed again over more batches (up to a whole epoch), so
that a few milliseconds of jitter do not decide the figure.

Timings are cached per configuration (``timings.py``): changing only the epochs or the learning
rate costs nothing, and a run started later with the same settings finds its estimate
(``record_estimate``). What the machine does meanwhile is not known: other work on it while the
estimate is timed, or while the run trains, makes the figure wrong by as much as it slows either.
"""

from __future__ import annotations

import math
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import psutil
import torch

from ..data.datasets import DataSet, load_dataset, resolve_root
from ..data.image_folder import scan_folder, stratified_split
from ..data.standard_sets import CIFAR10_FOLDER, IDX_SETS, idx_present
from ..errors import Cancelled, TrainingError, UserError
from ..inference.predictions import scorings_in_run, view_count
from ..model.memory import check_run_fits
from ..model.resnet import count_params
from ..runs.status import RunStatus
from ..settings.config import TRAIN_SIZES, DataConfig, RunConfig, with_changes
from ..settings.image_sizes import NATIVE, epoch_sides, input_shape
from ..units import format_bytes, say_duration
from .devices import device_name
from .events import EpochEnd, Event, RunStarted
from .timings import StepTimes, cached_times, device_and_precision, speed_key, store_times

if TYPE_CHECKING:
    from ..runs.store import RunStore

PROBE_TRAIN_BATCHES = 3
PROBE_TEST_BATCHES = 2
# Time the steps over at least this long; a shorter probe is repeated with more batches.
MIN_TIMED_S = 2.0
SHIFTED_VIEWS = view_count(False, True)  # test-time shifts score each view and it moved four ways
TEST_SIZES = {"sample": 1000}  # the standard sets test on 10,000 images
# Other programs' share of the CPU while timing from which the estimate says it may be off.
BUSY_PERCENT = 25.0
TIMING_LR = 1e-4  # random labels at a recipe's peak rate could diverge; the rate does not change the speed


@dataclass(frozen=True)
class DataSizes:
    """A data set's split sizes and stored image shape, known before it is loaded."""

    train: int
    test: int
    channels: int
    side: int
    classes: int


@dataclass(frozen=True)
class DurationEstimate:
    """A whole run's estimated duration on this machine, with what it is made of."""

    seconds: float
    epochs: int
    train_batches: float  # per epoch (a short last batch counts as its share)
    test_batches: float  # per epoch, on average (a run may score only every few epochs)
    times: StepTimes
    cached: bool = False
    # Progressive resizing: the epochs' mean share of the full size's pixels, by which their steps are scaled
    # (steps at other sizes are not timed; their cost is near, not exactly, in proportion to the pixels).
    pixel_share: float = 1.0

    def line(self) -> str:
        """ "about 1 min 10 s on cpu (bf16)", and a warning when other work slowed the timing."""
        t = self.times
        text = f"about {say_duration(self.seconds)} on {t.device} ({t.precision})"
        if t.others_percent >= BUSY_PERCENT:
            text += f", timed while other programs kept the CPU {t.others_percent:.0f} % busy"
        return text

    def details(self) -> str:
        """The sum the figure comes from, and where it was measured."""
        t = self.times
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(t.measured_at))
        share = f" × {self.pixel_share:.2f} of the pixels (progressive resizing)" if self.pixel_share != 1.0 else ""
        return (
            f"{self.epochs} epochs × ({self.train_batches:,.1f} training batches × {t.train_step_s:.3f} s"
            f" + {self.test_batches:,.1f} test batches × {t.test_step_s:.3f} s){share} + {t.epoch_s:.2f} s each"
            f" + {t.first_epoch_s:.1f} s warm-up + {t.setup_s:.1f} s setup; "
            f"timed on {t.machine} at {when}{' (cached)' if self.cached else ''}"
        )

    def to_dict(self) -> dict[str, object]:
        """The estimate and its parts, for JSON."""
        return {**asdict(self), "line": self.line()}


def data_sizes(data: DataConfig) -> DataSizes:
    """The split sizes and stored image shape of ``data``: known for the standard sets, scanned for a folder."""
    if data.dataset == "folder":
        scan = scan_folder(data.folder or "")
        labels = [label for _, label in scan.train]
        train, test = len(labels), len(scan.test or [])
        if scan.test is None:
            held_out = stratified_split(np.asarray(labels), data.test_fraction)[1]
            train, test = train - len(held_out), len(held_out)
        return DataSizes(train, test, data.channels, data.image_size, len(scan.classes))
    channels, side = NATIVE[data.dataset]
    return DataSizes(TRAIN_SIZES[data.dataset], TEST_SIZES.get(data.dataset, 10000), channels, side, 10)


def _data_on_disk(data: DataConfig) -> bool:
    if data.dataset == "sample":
        return True
    root = resolve_root(data.root)
    if data.dataset in IDX_SETS:
        return idx_present(IDX_SETS[data.dataset], root)
    return data.dataset == "cifar10" and (root / CIFAR10_FOLDER / "test_batch").is_file()


def _total(cfg: RunConfig, sizes: DataSizes, times: StepTimes, cached: bool) -> DurationEstimate:
    train_batches = sizes.train / times.train_batch
    scoring = sizes.test / times.test_batch
    test_batches = scoring * scorings_in_run(cfg.train) / cfg.train.epochs  # per epoch, on average
    full = input_shape(cfg.data)[1]
    share = sum((side / full) ** 2 for side in epoch_sides(cfg)) / cfg.train.epochs
    steps = train_batches * times.train_step_s + test_batches * times.test_step_s
    seconds = times.setup_s + times.first_epoch_s + cfg.train.epochs * (steps * share + times.epoch_s)
    if cfg.train.test_shifts:  # the last epoch scores 5 times the views, once
        seconds += (SHIFTED_VIEWS - 1) * scoring * times.test_step_s
    return DurationEstimate(seconds, cfg.train.epochs, train_batches, test_batches, times, cached, share)


def cached_estimate(cfg: RunConfig, sizes: DataSizes | None = None) -> DurationEstimate | None:
    """The estimate for ``cfg`` from timings already made here, else None (nothing is timed)."""
    times = cached_times(speed_key(cfg)[0])
    return None if times is None else _total(cfg, sizes or data_sizes(cfg.data), times, True)


def record_estimate(store: RunStore, run_id: int, cfg: RunConfig) -> float | None:
    """Store the estimate already made for ``cfg`` with the new run ``run_id`` (nothing is timed); its seconds.

    Never fails the run: settings that cannot be looked up (a folder that is not there) record nothing.
    """
    try:
        estimate = cached_estimate(cfg)
    except (UserError, OSError, ValueError, KeyError):
        return None
    if estimate is not None:
        store.set_estimate(run_id, estimate.seconds)
    return None if estimate is None else estimate.seconds


def estimate_run(
    cfg: RunConfig, stop: threading.Event | None = None, sizes: DataSizes | None = None, fresh: bool = False
) -> DurationEstimate:
    """How long training ``cfg`` will take here: from the cache, else timed now (seconds to a minute).

    ``stop`` cancels the timing (Cancelled); ``fresh`` times again even when cached. Raises
    TrainingError when the run would not fit in memory, as training would.
    """
    key, described = speed_key(cfg)
    sizes = sizes or data_sizes(cfg.data)
    if not fresh:
        times = cached_times(key)
        if times is not None:
            return _total(cfg, sizes, times, True)
    stop = stop or threading.Event()
    load_s = 0.0
    if _data_on_disk(cfg.data) and cfg.data.dataset != "folder":
        start = time.perf_counter()
        loaded = load_dataset(cfg.data, None, stop)
        load_s = time.perf_counter() - start
        sizes = replace(sizes, train=len(loaded.train_y), test=len(loaded.test_y))
        del loaded
    probe = _time_epochs(cfg, sizes, PROBE_TRAIN_BATCHES, PROBE_TEST_BATCHES, stop)
    train_batches, test_batches = _batches_to_time(probe, sizes)
    if (train_batches, test_batches) != (PROBE_TRAIN_BATCHES, PROBE_TEST_BATCHES):
        probe = _time_epochs(cfg, sizes, train_batches, test_batches, stop)
    times = replace(probe, setup_s=probe.setup_s + load_s)
    store_times(key, times, described)
    return _total(cfg, sizes, times, False)


def _batches_to_time(probe: StepTimes, sizes: DataSizes) -> tuple[int, int]:
    """Batches for a second timing when the probe's were too short to trust (at most an epoch's)."""
    in_epoch = math.ceil(sizes.train / probe.train_batch), math.ceil(sizes.test / probe.test_batch)
    train, test = PROBE_TRAIN_BATCHES, PROBE_TEST_BATCHES
    if probe.train_step_s * train < MIN_TIMED_S and in_epoch[0] > train:
        train = min(in_epoch[0], math.ceil(MIN_TIMED_S / max(probe.train_step_s, 1e-4)))
    if probe.test_step_s * test < MIN_TIMED_S / 4 and in_epoch[1] > test:
        test = min(in_epoch[1], math.ceil(MIN_TIMED_S / 4 / max(probe.test_step_s, 1e-4)))
    return train, test


def _synthetic(sizes: DataSizes, train: int, test: int) -> DataSet:
    """Random images of the data set's shape and random labels: the time a step takes does not depend on them."""
    gen = torch.Generator().manual_seed(0)
    shape = (sizes.channels, sizes.side, sizes.side)

    def images(n: int) -> torch.Tensor:
        return torch.randint(0, 256, (n, *shape), dtype=torch.uint8, generator=gen)

    def labels(n: int) -> torch.Tensor:
        return torch.randint(0, sizes.classes, (n,), generator=gen)

    names = tuple(str(i) for i in range(sizes.classes))
    return DataSet("timing", images(train), labels(train), images(test), labels(test), names)


def _time_epochs(
    cfg: RunConfig, sizes: DataSizes, train_batches: int, test_batches: int, stop: threading.Event
) -> StepTimes:
    """Train two epochs of ``train_batches`` batches, each tested on ``test_batches``, as a run goes (progress
    reports at the engine's pace recorded in a throwaway run history, checkpoints saved), and read the times off."""
    from ..runs.store import RunStore
    from .engine import Trainer
    from .optimisation import out_of_memory_as_error

    train_batch, test_batch = min(cfg.train.batch_size, sizes.train), min(cfg.train.batch_size, sizes.test)
    data = _synthetic(sizes, train_batches * train_batch, test_batches * test_batch)
    # No seed: the timing run must not reseed torch's global generator, which a run starting meanwhile uses.
    # Shifts would score the timed epoch 5 times over; the total adds that for the last epoch alone.
    timing = with_changes(
        cfg,
        train={
            "epochs": 2,
            "lr": TIMING_LR,
            "warmup_epochs": 0.0,
            "seed": None,
            "test_shifts": False,
            "test_every": 1,
            "start_size": 0,
        },
    )
    at: dict[object, float] = {}  # when RunStarted and each epoch's EpochEnd had been handled
    ends: dict[int, EpochEnd] = {}

    def note(event: Event) -> None:
        if isinstance(event, RunStarted):
            at["started"] = time.perf_counter()
        elif isinstance(event, EpochEnd):
            at[event.epoch], ends[event.epoch] = time.perf_counter(), event

    with tempfile.TemporaryDirectory(prefix="resnet-gui-estimate-") as folder:
        store = RunStore(Path(folder) / "runs.sqlite")
        run_id = store.create_run(timing)
        busy = _OthersMeter()
        start = time.perf_counter()
        with out_of_memory_as_error(cfg, cfg.train.device):
            trainer = Trainer(timing, [store.recorder(run_id), note], stop, data=data, checkpoint_dir=folder)
        result = trainer.run()
    if result.status != RunStatus.FINISHED:
        raise Cancelled()
    # EpochEnd.seconds counts the epoch's training and testing, images_per_s its training alone.
    trained_s = len(data.train_y) / ends[2].images_per_s
    test_s = max(ends[2].seconds - trained_s, 0.0)
    epoch_wall = at[2] - at[1]
    return StepTimes(
        train_step_s=trained_s / train_batches,
        test_step_s=test_s / test_batches,
        epoch_s=max(epoch_wall - trained_s - test_s, 0.0),
        first_epoch_s=max(at[1] - at["started"] - epoch_wall, 0.0),
        setup_s=at["started"] - start,
        train_batch=train_batch,
        test_batch=test_batch,
        device=trainer.device.type,
        precision=trainer.precision,
        params=count_params(trainer.net),
        machine=device_name(trainer.device),
        measured_at=time.time(),
        others_percent=busy.percent(),
    )


class _OthersMeter:
    """How busy other processes keep the CPU from now on (the machine's busy share less this process's)."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._cpu_s = sum(self._process.cpu_times()[:2])
        self._start = time.perf_counter()
        psutil.cpu_percent(interval=None)

    def percent(self) -> float:
        """Other processes' share of all CPUs since this meter was made, in percent."""
        machine = psutil.cpu_percent(interval=None)
        wall = (time.perf_counter() - self._start) * (psutil.cpu_count() or 1)
        own = 100 * (sum(self._process.cpu_times()[:2]) - self._cpu_s) / wall if wall > 0 else 0.0
        return round(max(machine - own, 0.0), 1)


@dataclass(frozen=True)
class CostPreview:
    """What the form can say at once: parameters and peak memory (or why the run cannot fit)."""

    params: int
    peak_bytes: int
    device: str
    precision: str
    problem: str = ""  # the engine's refusal when the run would not fit in memory

    def line(self) -> str:
        """ "19,786 parameters · needs ~0.4 GB"."""
        memory = "more memory than is free" if self.problem else f"~{format_bytes(self.peak_bytes)}"
        return f"{self.params:,} parameters · needs {memory}"


def cost_preview(cfg: RunConfig, sizes: DataSizes | None = None) -> CostPreview:
    """Parameters and the memory estimate of ``cfg`` as training would check them (nothing is built)."""
    from ..model.memory import estimate_memory

    sizes = sizes or data_sizes(cfg.data)
    device, precision = device_and_precision(cfg)
    model_cfg = replace(cfg.model, in_channels=sizes.channels, num_classes=sizes.classes)
    side = cfg.data.resize or sizes.side
    t = cfg.train
    estimate = estimate_memory(
        model_cfg,
        (sizes.channels, side, side),
        min(t.batch_size, sizes.train),
        precision,
        t.optimizer,
        t.momentum,
        device=device.type,
    )
    params = estimate.parameters_bytes // 4  # float32 weights
    # The engine's own check, on shape-only tensors of the data set's size.
    meta = [
        torch.empty((n, sizes.channels, sizes.side, sizes.side), dtype=torch.uint8, device="meta")
        for n in (sizes.train, sizes.test)
    ]
    try:
        peak = check_run_fits(cfg, model_cfg, meta, device, precision).peak_bytes
    except TrainingError as e:
        return CostPreview(params, estimate.peak_bytes, device.type, precision, str(e))
    return CostPreview(params, peak, device.type, precision)
