"""Sweep workers as processes: ``resnet-gui sweep --join STUDY --storage URL``, one per GPU where asked.

The window starts a sweep with ``launch_sweep`` (the study is made first, so it is known at once)
and its workers run in sessions of their own, like background runs: closing the window leaves them
running, and their trials appear in the run history. ``stop_workers`` asks them to stop now (the
current run stops after its batch; SIGTERM) or after their current trial (pause; SIGUSR1).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from ..errors import UserError
from ..runs.processes import BACKGROUND_FOLDER, share_cores
from .definition import Sweep
from .study import create_sweep, default_storage

STOP_AFTER_TRIAL = signal.SIGUSR1  # a worker finishes its current trial, then exits


@dataclass(frozen=True)
class SweepLaunch:
    """Started sweep workers: the study, its storage, the workers' process ids and log files."""

    name: str
    storage: str
    pids: tuple[int, ...]
    log_files: tuple[Path, ...]


def worker_command(name: str, storage: str, runs_db: str | Path, as_json: bool = False) -> list[str]:
    """The command line of one worker joining the study ``name``."""
    cmd = [sys.executable, "-m", "resnet_gui", "sweep", "--join", name, "--storage", storage]
    cmd += ["--runs-db", str(runs_db), "--worker"]
    return cmd + (["--json"] if as_json else [])


def gpu_ids(spec: str) -> list[str]:
    """The GPUs of ``--gpus``: "all" (those visible: CUDA_VISIBLE_DEVICES, else every one torch sees) or "0,2"."""
    if spec.strip().lower() != "all":
        ids = [p.strip() for p in spec.split(",") if p.strip()]
        if not ids or not all(p.isdigit() for p in ids):
            raise UserError(f"--gpus: give all, or GPU numbers such as 0,1 (got {spec!r})")
        return ids
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [p.strip() for p in visible.split(",") if p.strip() and p.strip() != "-1"]
    else:
        import torch

        ids = [str(i) for i in range(torch.cuda.device_count())]
    if not ids:
        raise UserError("--gpus all: no CUDA GPU is visible here; leave --gpus out to run on this machine's CPU")
    return ids


def worker_envs(workers: int, gpus: Sequence[str] = ()) -> list[dict[str, str]]:
    """One environment per worker: each sees only its own GPU when ``gpus`` are given."""
    base = dict(os.environ)
    base.pop("RESNET_GUI_RUNS", None)  # --runs-db names the run history
    if gpus:
        return [base | {"CUDA_VISIBLE_DEVICES": g} for g in gpus]
    return [share_cores(base, workers) for _ in range(workers)]


def start_workers(
    name: str,
    storage: str,
    runs_db: str | Path,
    envs: Sequence[dict[str, str]],
    as_json: bool = False,
    logs: Sequence[Path] = (),
) -> list[subprocess.Popen[bytes]]:
    """Start one worker per environment: output piped (for the CLI to relay), or to ``logs`` in sessions of
    their own (background: they outlive the window)."""
    procs = []
    for i, env in enumerate(envs):
        cmd = worker_command(name, storage, runs_db, as_json)
        if logs:
            with open(logs[i], "ab") as log:
                proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
                )
            threading.Thread(target=proc.wait, name="resnet-gui reap", daemon=True).start()
        else:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env)
        procs.append(proc)
    return procs


def launch_sweep(
    sweep: Sweep,
    runs_db: str | Path,
    name: str,
    storage: str | None = None,
    workers: int = 1,
    gpus: Sequence[str] = (),
) -> SweepLaunch:
    """Make the study ``name`` (or continue it) and start its workers in the background.

    Their logs lie in the ``background`` folder beside the run history; their trials are runs in it.
    """
    storage = storage or default_storage(runs_db)
    create_sweep(sweep, name, storage)
    folder = Path(runs_db).expanduser().parent / BACKGROUND_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    envs = worker_envs(workers, gpus)
    logs = [folder / f"sweep-{name}-{stamp}-{i}.log" for i in range(len(envs))]
    procs = start_workers(name, storage, runs_db, envs, logs=logs)
    return SweepLaunch(name, storage, tuple(p.pid for p in procs), tuple(logs))


def is_sweep_worker(pid: int) -> bool:
    """True while ``pid`` is a ``resnet_gui sweep`` process."""
    try:
        cmdline = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return False
    return "resnet_gui" in cmdline and "sweep" in cmdline


def stop_workers(pids: Sequence[int], after_trial: bool = False) -> int:
    """Ask sweep workers to stop now, or after their current trial; returns how many were asked."""
    sig = STOP_AFTER_TRIAL if after_trial else signal.SIGTERM
    asked = 0
    for pid in pids:
        if not is_sweep_worker(pid):
            continue
        try:
            os.kill(pid, sig)
            asked += 1
        except ProcessLookupError:
            pass
    return asked
