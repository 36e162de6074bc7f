"""The machine's load while a run trains: CPU busy %, this process's memory, and the GPU's use.

The engine samples it with every progress report (``now``) and sums it up per epoch (``epoch``):
the CPU figure is the whole machine's busy share since the previous sample (psutil keeps the
previous reading per thread, so nothing else in the process disturbs it), averaged over the
epoch by time; memory is this process's resident set; on CUDA, the memory PyTorch has allocated
at its peak since the epoch began, and the GPU's utilisation as NVML reports it (only where the
``pynvml`` module is installed; None otherwise). Every call is non-blocking and cheap (tens of
microseconds), and a reading that fails is None rather than an error: a run never stops over it.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, TypedDict

import psutil
import torch


class Load(TypedDict):
    """The load fields ``BatchEnd`` and ``EpochEnd`` carry (None: not read)."""

    cpu_percent: float | None
    ram_bytes: float | None
    gpu_percent: float | None
    gpu_bytes: float | None


class LoadMeter:
    """Samples the load of the machine a run trains on; ``now`` for a progress report, ``epoch`` at an epoch's end."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._process = psutil.Process()
        self._gpu_util = device.type == "cuda"  # until NVML turns out to be missing
        self.start_epoch()

    def start_epoch(self) -> None:
        """Begin a new epoch's averages and peaks."""
        self._cpu = self._gpu = (0.0, 0.0)  # (sum of percent x seconds, seconds)
        self._ram_peak = 0.0
        self._last = time.perf_counter()
        psutil.cpu_percent(interval=None)  # the next reading covers the time from here
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)

    def now(self) -> Load:
        """The load since the previous sample, as ``BatchEnd``/``EpochEnd`` fields."""
        t = time.perf_counter()
        dt, self._last = t - self._last, t
        cpu = psutil.cpu_percent(interval=None)
        self._cpu = (self._cpu[0] + cpu * dt, self._cpu[1] + dt)
        ram = self._ram()
        if ram is not None:
            self._ram_peak = max(self._ram_peak, ram)
        gpu = self._gpu_percent()
        if gpu is not None:
            self._gpu = (self._gpu[0] + gpu * dt, self._gpu[1] + dt)
        return {"cpu_percent": cpu, "ram_bytes": ram, "gpu_percent": gpu, "gpu_bytes": self._gpu_bytes()}

    def epoch(self) -> Load:
        """The epoch's load: mean CPU and GPU busy %, peak process and GPU memory (``EpochEnd`` fields)."""
        self.now()
        cpu_sum, cpu_s = self._cpu
        gpu_sum, gpu_s = self._gpu
        return {
            "cpu_percent": round(cpu_sum / cpu_s, 1) if cpu_s > 0 else None,
            "ram_bytes": self._ram_peak or None,
            "gpu_percent": round(gpu_sum / gpu_s, 1) if gpu_s > 0 else None,
            "gpu_bytes": self._gpu_bytes(),
        }

    def _ram(self) -> float | None:
        try:
            return float(self._process.memory_info().rss)
        except psutil.Error:
            return None

    def _gpu_bytes(self) -> float | None:
        return float(torch.cuda.max_memory_allocated(self.device)) if self.device.type == "cuda" else None

    def _gpu_percent(self) -> float | None:
        if not self._gpu_util:
            return None
        reading: Any = None
        # torch asks NVML through pynvml; without it (or without a driver that answers) there is no figure.
        with contextlib.suppress(Exception):
            reading = torch.cuda.utilization(self.device)
        if not isinstance(reading, int):
            self._gpu_util = False
            return None
        return float(reading)
