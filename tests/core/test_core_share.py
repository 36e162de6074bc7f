"""CPU runs share the machine's cores whenever each starts: each trains with the cores split between live runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from resnet_gui.runs.processes import SHARED_THREADS_ENV
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from resnet_gui.training import core_share
from resnet_gui.training.core_share import CoreShare, live_runs
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd

ROOT = Path(__file__).resolve().parents[2]
# Another process that registers as a CPU run in the folder given and keeps training until killed.
OTHER_RUN = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from resnet_gui.training.core_share import CoreShare\n"
    "with CoreShare(Path(sys.argv[1])):\n"
    "    print('registered', flush=True)\n"
    "    time.sleep(600)\n"
)


@pytest.fixture
def threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def other_run(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", OTHER_RUN, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "registered"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_runs_in_one_folder_split_the_cores_and_take_them_back(tmp_path: Path, threads: None) -> None:
    torch.set_num_threads(4)
    with CoreShare(tmp_path, cores=4) as first:
        assert torch.get_num_threads() == 4  # alone: every core it started with
        with CoreShare(tmp_path, cores=4) as second:
            assert live_runs(tmp_path) == 2 and torch.get_num_threads() == 2
            first.adjust(force=True)
            assert first.share() == second.share() == 2
        first.adjust(force=True)
        assert torch.get_num_threads() == 4 and live_runs(tmp_path) == 1
    assert live_runs(tmp_path) == 0 and list(tmp_path.iterdir()) == []
    assert torch.get_num_threads() == 4


def test_never_more_threads_than_the_run_started_with(tmp_path: Path, threads: None) -> None:
    torch.set_num_threads(1)  # a count the user (or a test) set
    with CoreShare(tmp_path, cores=8) as share:
        assert share.share() == 1 and torch.get_num_threads() == 1


def test_a_run_started_with_a_share_of_the_cores_takes_them_back_when_alone(
    tmp_path: Path, threads: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SHARED_THREADS_ENV, "1")  # as share_cores starts runs launched together
    torch.set_num_threads(1)  # their OMP_NUM_THREADS
    with CoreShare(tmp_path, cores=2) as first:
        assert torch.get_num_threads() == 2  # the other run has not started, or has ended
        with CoreShare(tmp_path, cores=2):
            first.adjust(force=True)
            assert torch.get_num_threads() == 1


def test_another_process_training_halves_this_runs_threads_until_it_ends(
    tmp_path: Path, threads: None, other_run: subprocess.Popen[str]
) -> None:
    torch.set_num_threads(2)
    with CoreShare(tmp_path, cores=2) as share:
        assert live_runs(tmp_path) == 2 and torch.get_num_threads() == 1
        other_run.kill()
        other_run.wait()
        share.adjust(force=True)  # the dead run's file is skipped and removed
        assert torch.get_num_threads() == 2 and len(list(tmp_path.iterdir())) == 1


def test_files_of_dead_or_reused_processes_do_not_count(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(done.stdout)
    (tmp_path / f"{dead}-{time.time()}-1-1").touch()
    (tmp_path / f"{os.getpid()}-12345.0-1-1").touch()  # this process, but not its start time
    (tmp_path / "not-a-run").touch()
    assert live_runs(tmp_path) == 0 and list(tmp_path.iterdir()) == []


def test_training_on_the_cpu_uses_its_share_of_the_cores(
    tmp_path: Path, threads: None, other_run: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_share, "registry_folder", lambda: tmp_path)
    monkeypatch.setattr(core_share.os, "cpu_count", lambda: 2)
    torch.set_num_threads(2)
    seen: list[int] = []
    cfg = RunConfig(
        ModelConfig(blocks=(1,), channels=4, stem="small", stem_pool=False),
        DataConfig(dataset="sample", resize=0),
        TrainConfig(epochs=1, batch_size=256, device="cpu"),
    )
    fit(cfg, [lambda e: seen.append(torch.get_num_threads()) if isinstance(e, BatchEnd) else None])
    assert seen and set(seen) == {1}  # the other run holds the second core
    assert torch.get_num_threads() == 2 and len(list(tmp_path.iterdir())) == 1  # its own file is gone
