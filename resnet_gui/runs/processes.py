"""Runs as processes of their own: launched in the background, found again, stopped by signal.

A background run is ``python -m resnet_gui train --config FILE --runs-db DB --name NAME`` (or the
same under ``torch.distributed.run`` with N processes), started in a session of its own so that
closing the window leaves it running. Its settings (TOML) and output (a log file) lie in a
``background`` folder beside the run history. Stop sends SIGTERM to the run's process group; the
CLI then stops after the current batch and records "stopped".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from ..settings.config import RunConfig

BACKGROUND_FOLDER = "background"
SHARED_THREADS_ENV = "RESNET_GUI_SHARED_THREADS"  # set beside the OMP_NUM_THREADS that share_cores chose


@dataclass(frozen=True)
class Launch:
    """A started background run: its process (the session leader), name, settings file and log, and
    when it was started (``time.time()``: its run is recorded after that)."""

    pid: int
    name: str
    config_file: Path
    log_file: Path
    processes: int
    started_at: float = 0.0


def command(config_file: Path, db_path: Path, name: str, processes: int = 1, tags: tuple[str, ...] = ()) -> list[str]:
    """The command line of a background run (torchrun on this machine when ``processes`` > 1)."""
    train = ["-m", "resnet_gui", "train", "--config", str(config_file), "--runs-db", str(db_path), "--name", name]
    if tags:
        train += ["--tags", ",".join(tags)]
    if processes <= 1:
        return [sys.executable, *train]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(processes), *train]


def share_cores(env: dict[str, str], sharing: int) -> dict[str, str]:
    """``env`` for one of ``sharing`` processes started together: OMP_NUM_THREADS splits this machine's
    cores between them (a user's own OMP_NUM_THREADS stays). Each would otherwise start a thread per
    core, and two such runs on two cores fight over them. SHARED_THREADS_ENV says the count is a share,
    which the run may raise again when the others end (``training.core_share``), unlike a user's own."""
    if sharing > 1 and "OMP_NUM_THREADS" not in env:
        return env | {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // sharing)), SHARED_THREADS_ENV: "1"}
    return env


def launch(
    cfg: RunConfig,
    db_path: str | Path,
    processes: int = 1,
    name: str | None = None,
    tags: tuple[str, ...] = (),
    sharing: int = 1,
) -> Launch:
    """Write the settings beside the run history and start the run in a session of its own.

    Its name says what it is (``describe.run_name``) unless ``name`` is given; ``tags`` are recorded with it.
    ``sharing``: how many runs start together and share the cores (see ``share_cores``).
    """
    from ..settings.toml_io import save_toml
    from .describe import run_name

    db_path = Path(db_path)
    folder = db_path.parent / BACKGROUND_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 100000}"
    name = name or run_name(cfg)
    started_at = time.time()
    config_file = folder / f"run-{stamp}.toml"
    log_file = folder / f"run-{stamp}.log"
    save_toml(cfg, config_file)
    env = share_cores(dict(os.environ), sharing)
    env.pop("RESNET_GUI_RUNS", None)  # --runs-db names the store
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            command(config_file, db_path, name, processes, tags),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=str(folder),
        )
    # Reap it when it ends, so that it does not linger as a zombie.
    threading.Thread(target=proc.wait, name="resnet-gui reap", daemon=True).start()
    return Launch(proc.pid, name, config_file, log_file, processes, started_at)


def process_alive(pid: int | None) -> bool:
    """True while a process with this id runs on this machine (a zombie, ended but not reaped, is not)."""
    if not pid:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def is_local(host: str) -> bool:
    """True when a run's recorded host is this machine."""
    return host == socket.gethostname()


def _cmdline(pid: int) -> list[str] | None:
    try:
        return psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    except psutil.AccessDenied:
        return []


def _is_torchrun(cmdline: list[str]) -> bool:
    return "torch.distributed.run" in cmdline or any(c.endswith("torchrun") for c in cmdline)


def torchrun_launcher(pid: int) -> int | None:
    """The torchrun launcher whose worker ``pid`` is (the store records rank 0's pid), if any."""
    try:
        parent = psutil.Process(pid).parent()
    except psutil.NoSuchProcess:
        return None
    if parent is None:
        return None
    cmdline = _cmdline(parent.pid)
    return parent.pid if cmdline and _is_torchrun(cmdline) else None


def is_cli_run(pid: int) -> bool:
    """True when ``pid`` is a ``resnet_gui train`` process or a torchrun launcher."""
    cmdline = _cmdline(pid)
    if cmdline is None:
        return False
    if not cmdline:  # not ours to read: trust the run history's record
        return True
    return ("resnet_gui" in cmdline and "train" in cmdline) or _is_torchrun(cmdline)


def stop_process(pid: int) -> bool:
    """SIGTERM to the process group of ``pid``, else to ``pid``; False if it is gone or not a CLI run.

    For a torchrun worker the launcher is signalled instead: it forwards SIGTERM to every worker
    (each of which runs in a session of its own).
    """
    pid = torchrun_launcher(pid) or pid
    if not is_cli_run(pid):
        return False  # e.g. a run trained inside another window: never signal that window
    try:
        pgid = os.getpgid(pid)
        if pgid != os.getpgrp():  # never signal the window's own group
            os.killpg(pgid, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True
