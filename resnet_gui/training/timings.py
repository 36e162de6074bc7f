"""The timings a duration estimate is made from, cached per configuration on this machine.

The key is what changes how long a step or an epoch takes: the network, the image shape and data
set, the batch size, the optimiser, augmentation, test-time flips, compilation, the device and
number format, the device's model, torch's threads and the versions. Entries live in memory and
in a small JSON file (env ``RESNET_GUI_ESTIMATES``, else ``estimates.json`` in the user cache
folder), written atomically; a damaged or older file reads as empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from hashlib import sha256
from pathlib import Path

import torch

from .. import __version__
from ..files import atomic_write_text
from ..settings.config import RunConfig
from .devices import device_name, resolve_device, resolve_precision

CACHE_VERSION = 1
MAX_CACHED = 200
# The settings whose values change how long a step or an epoch takes.
SPEED_KEYS = {
    "data": ("dataset", "resize", "image_size", "channels"),
    "train": ("batch_size", "optimizer", "momentum", "weight_decay", "augment", "test_flips", "compile"),
}


_lock = threading.Lock()
_memory: dict[str, StepTimes] = {}


@dataclass(frozen=True)
class StepTimes:
    """What timing a configuration measured (what is cached)."""

    train_step_s: float  # one training batch of ``train_batch`` images
    test_step_s: float  # one test batch of ``test_batch`` images
    epoch_s: float  # the rest of an epoch: checkpoints, shuffling, bookkeeping
    first_epoch_s: float  # what the first epoch takes more than the others (warm-up, compilation)
    setup_s: float  # building the run and loading the data
    train_batch: int
    test_batch: int
    device: str
    precision: str
    params: int
    machine: str
    measured_at: float
    others_percent: float = 0.0  # the share of the CPU other processes used while it was timed


def device_and_precision(cfg: RunConfig) -> tuple[torch.device, str]:
    """The device and number format a run of ``cfg`` trains with here."""
    device = resolve_device(cfg.train.device)
    return device, resolve_precision(cfg.train.precision, device)


def speed_key(cfg: RunConfig) -> tuple[str, dict[str, object]]:
    """(the cache key, what it was made of) of ``cfg``'s timings on this machine."""
    device, precision = device_and_precision(cfg)
    settings = {
        "model": {**cfg.to_dict()["model"], "in_channels": None, "num_classes": None},
        **{s: {k: getattr(getattr(cfg, s), k) for k in keys} for s, keys in SPEED_KEYS.items()},
    }
    described: dict[str, object] = {
        "settings": settings,
        "device": device.type,
        "precision": precision,
        "machine": device_name(device),
        "threads": torch.get_num_threads(),
        "torch": str(torch.__version__),
        "resnet_gui": __version__,
        "version": CACHE_VERSION,
    }
    return sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:24], described


def cache_path() -> Path:
    """The timings file: env RESNET_GUI_ESTIMATES, else ``estimates.json`` in the user cache folder."""
    env = os.environ.get("RESNET_GUI_ESTIMATES")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("resnet-gui")) / "estimates.json"


def _read_file() -> dict[str, dict]:
    try:
        doc = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = doc.get("entries") if isinstance(doc, dict) and doc.get("version") == CACHE_VERSION else None
    return entries if isinstance(entries, dict) else {}


def cached_times(key: str) -> StepTimes | None:
    """The timings stored under ``key`` (memory first, then the file), else None."""
    with _lock:
        if key in _memory:
            return _memory[key]
        entry = _read_file().get(key)
        try:
            times = StepTimes(**entry["times"]) if isinstance(entry, dict) else None
        except (KeyError, TypeError):
            times = None
        if times is not None:
            _memory[key] = times
        return times


def store_times(key: str, times: StepTimes, described: dict[str, object]) -> None:
    """Keep ``times`` under ``key``, in memory and in the file (the newest ``MAX_CACHED`` entries)."""
    with _lock:
        _memory[key] = times
        entries = _read_file()
        entries[key] = {"times": asdict(times), "described": described}
        newest = sorted(entries, key=lambda k: entries[k].get("times", {}).get("measured_at", 0))[-MAX_CACHED:]
        doc = {"version": CACHE_VERSION, "entries": {k: entries[k] for k in newest}}
        with contextlib.suppress(OSError):  # no cache folder to write: the estimate still holds in this process
            atomic_write_text(cache_path(), json.dumps(doc, indent=1))


def forget_cached() -> None:
    """Drop the timings held in memory (the file stays)."""
    with _lock:
        _memory.clear()
