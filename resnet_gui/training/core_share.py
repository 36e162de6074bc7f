"""CPU runs on one machine share its cores, whenever each of them starts.

torch starts a thread per core in every process. Two such runs on two cores wait on each other's
threads: on the development CPU each trained 3.5 times slower than with one thread each
(docs/benchmarks.md, "Runs started together share the cores"). ``processes.share_cores`` splits the
cores between runs launched together; this covers the rest (a background run started while the
window trains, a second sweep, a run in another terminal): every CPU run registers itself in a
folder of this user's, and while it trains it sets torch's threads to the cores divided by the
runs registered and alive, never more than it started with (a count set by the user or a test stays
the ceiling; one that ``share_cores`` chose does not), and back to that count when it ends.

No library does this across unrelated processes (OpenMP and torch only know their own), hence a
folder of small files: one per training run, named after its process and that process's start time
(so a reused process id is not taken for a live run), removed when the run ends; files of processes
that died are skipped and removed by the next run that looks.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import torch

from ..runs.processes import SHARED_THREADS_ENV
from .host_memory import reuse_freed_memory

# How often a training run looks at the folder; adjusting the thread count costs nothing between steps.
CHECK_EVERY_S = 2.0


def registry_folder() -> Path:
    """Where this user's CPU runs register (one folder per user on this machine)."""
    uid = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    return Path(tempfile.gettempdir()) / f"resnet-gui-{uid}" / "cpu-runs"


def _alive(name: str) -> bool:
    """Whether the run a registration file names still runs: its process exists and started when it says."""
    try:
        pid, started = name.split("-")[:2]
        return abs(psutil.Process(int(pid)).create_time() - float(started)) < 0.01
    except (ValueError, psutil.Error):
        return False


def live_runs(folder: Path) -> int:
    """CPU runs registered in ``folder`` whose process is alive; files of dead processes are removed."""
    count = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            if _alive(entry.name):
                count += 1
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
    return count


class CoreShare:
    """While entered, this run is registered; ``adjust()`` sets torch's threads to its share of the cores."""

    def __init__(self, folder: Path | None = None, cores: int | None = None) -> None:
        self.folder = folder or registry_folder()
        self.cores = cores or os.cpu_count() or 1
        self.ceiling = 0
        self.file: Path | None = None
        self._checked = 0.0

    def __enter__(self) -> CoreShare:
        # A count that share_cores chose for runs started together is a share: alone, the run may take
        # every core back. Any other count (a user's OMP_NUM_THREADS, a test's) stays the ceiling.
        self.ceiling = self.cores if os.environ.get(SHARED_THREADS_ENV) else torch.get_num_threads()
        started = psutil.Process().create_time()
        name = f"{os.getpid()}-{started}-{threading.get_ident()}-{time.monotonic_ns()}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.file = self.folder / name
            self.file.touch()
        except OSError:  # a read-only or full temp folder: train with torch's own count, unshared
            self.file = None
        self.adjust(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.file is not None:
            with contextlib.suppress(OSError):
                self.file.unlink()
            self.file = None
        torch.set_num_threads(self.ceiling)

    def share(self) -> int:
        """This run's threads now: the cores split between the live runs, at most the count it started with."""
        return max(1, min(self.ceiling, self.cores // max(1, live_runs(self.folder))))

    def adjust(self, force: bool = False) -> None:
        """Set torch's threads to ``share()`` (at most every ``CHECK_EVERY_S`` unless ``force``).

        Call it from the thread that trains: OpenMP keeps the count per thread.
        """
        now = time.monotonic()
        if self.file is None or (not force and now - self._checked < CHECK_EVERY_S):
            return
        self._checked = now
        threads = self.share()
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)


@contextlib.contextmanager
def cpu_training(cores: CoreShare) -> Iterator[CoreShare]:
    """What a CPU run trains inside: freed host memory kept for the next step (``host_memory``), ``cores`` shared."""
    with reuse_freed_memory(), cores:
        yield cores
