"""torchrun data parallelism on the CPU (Gloo): same epoch line as one process, one set of results, resume."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resnet_gui.runs.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["train", "--data", "sample", "--resize", "0", "--blocks", "1", "--channels", "8", "--batch-size", "500",
        "--precision", "fp32", "--seed", "1", "--json"]
# Each rank normalises its batch norms over its half of the batch; everything else is exact.
LOSS_TOL, ACC_TOL = 0.02, 0.03

pytestmark = pytest.mark.skipif(shutil.which("torchrun") is None and not Path(sys.executable).with_name("torchrun").exists(),
                                reason="torchrun is not installed")


def command(nproc: int, *args: str) -> list[str]:
    if nproc == 1:
        return [sys.executable, "-m", "resnet_gui", *args]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
            "-m", "resnet_gui", *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def epochs(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_two_gloo_processes_match_one(tmp_path: Path) -> None:
    one = subprocess.run(command(1, *ARGS, "--epochs", "2", "--runs-db", str(tmp_path / "one.sqlite")),
                         capture_output=True, text=True, env=env(), timeout=600)
    two = subprocess.run(command(2, *ARGS, "--epochs", "2", "--runs-db", str(tmp_path / "two.sqlite")),
                         capture_output=True, text=True, env=env(), timeout=600)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    a, b = epochs(one.stdout), epochs(two.stdout)
    assert [e["epoch"] for e in b] == [1, 2]  # printed once, by rank 0
    for x, y in zip(a, b):
        assert abs(x["loss"] - y["loss"]) < LOSS_TOL
        assert abs(x["train_acc"] - y["train_acc"]) < ACC_TOL
        assert abs(x["test_acc"] - y["test_acc"]) < ACC_TOL
    runs = RunStore(tmp_path / "two.sqlite").list()
    assert len(runs) == 1 and runs[0].status == "finished" and runs[0].epochs_done == 2
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["run-1"]


def test_interrupted_distributed_run_resumes(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    slow = [a if a != "500" else "100" for a in ARGS]
    proc = subprocess.Popen(command(2, *slow, "--epochs", "3", "--runs-db", str(db)), env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        runs = RunStore(db).list() if db.exists() else []
        if runs and runs[0].epochs_done >= 1:
            break
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=120)
    run = RunStore(db).list()[0]
    assert run.status in ("stopped", "crashed") and run.epochs_done in (1, 2)
    resumed = subprocess.run(command(2, "train", "--resume", str(run.id), "--runs-db", str(db), "--json"),
                             capture_output=True, text=True, env=env(), timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert [e["epoch"] for e in epochs(resumed.stdout)] == [1, 2, 3]
    run = RunStore(db).get(run.id)
    assert run.status == "finished" and run.epochs_done == 3 and len(RunStore(db).list()) == 1
