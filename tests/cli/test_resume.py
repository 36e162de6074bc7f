"""Runs survive SIGKILL: the database stays readable, the last epoch's checkpoint resumes the run.
SIGTERM stops a run cleanly, recorded as stopped."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from resnet_gui.runs.store import RunStore
from resnet_gui.training.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[2]
TRAIN = [
    "train",
    "--data",
    "sample",
    "--resize",
    "0",
    "--blocks",
    "1",
    "--channels",
    "8",
    "--epochs",
    "3",
    "--batch-size",
    "100",
    "--seed",
    "3",
]


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "resnet_gui", *args], capture_output=True, text=True, env=env, timeout=600, **kw
    )


def test_sigkill_mid_epoch_then_resume(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Small batches make an epoch last about a second, so batches of an unfinished epoch get recorded.
    killed = [*TRAIN[:-4], "--epochs", "5", "--batch-size", "20", "--seed", "3"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "resnet_gui", *killed, "--runs-db", str(db)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    store = None
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if db.exists():
                store = store or RunStore(db)
                runs = store.list()
                if (
                    runs
                    and runs[0].epochs_done >= 1
                    and any(e > runs[0].epochs_done for e, _ in store.batch_losses(runs[0].id)[-1:])
                ):
                    break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert store is not None
    run = store.list()[0]
    done = run.epochs_done
    assert run.status == "crashed" and 1 <= done < 5
    assert load_checkpoint(run.last_checkpoint)["epoch"] == done
    assert max(e for e, _ in store.batch_losses(run.id)) > done  # the killed epoch's batches were recorded

    resumed = cli(*["train", "--resume", str(run.id), "--runs-db", str(db), "--json"])
    assert resumed.returncode == 0, resumed.stderr
    lines = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert [d["epoch"] for d in lines] == [1, 2, 3, 4, 5]
    run = store.get(run.id)
    assert run.status == "finished" and run.epochs_done == 5
    assert [e.epoch for e in store.epochs(run.id)] == [1, 2, 3, 4, 5]
    # One loss point per recorded position, ending at the last batch (tests/core/test_runs.py checks that
    # reopening drops what was recorded after the checkpoint).
    xs = [e for e, _ in store.batch_losses(run.id)]
    assert xs == sorted(set(xs)) and xs[-1] == 5

    listing = json.loads(cli("runs", "--runs-db", str(db), "--json").stdout)
    assert listing[0]["id"] == run.id and listing[0]["status"] == "finished" and listing[0]["epochs_done"] == 5


def test_resume_from_a_checkpoint_path_and_refusals(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    first = cli(*TRAIN[:-4], "--epochs", "1", "--batch-size", "1000", "--runs-db", str(db))
    assert first.returncode == 0, first.stderr
    ckpt = RunStore(db).list()[0].last_checkpoint
    done = cli("train", "--resume", ckpt, "--runs-db", str(db), "--json")
    assert done.returncode == 0 and [json.loads(x)["epoch"] for x in done.stdout.splitlines()] == [1]
    missing = cli("train", "--resume", "999", "--runs-db", str(db))
    assert missing.returncode == 1 and "there is no run 999" in missing.stderr
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"junk")
    refused = cli("train", "--resume", str(bad), "--runs-db", str(db))
    assert refused.returncode == 1 and "not a readable checkpoint" in refused.stderr


def test_sigterm_stops_the_run_and_records_it_as_stopped(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Far more epochs than the test waits for: the run can only end by being stopped.
    long_run = [*TRAIN[:-4], "--epochs", "100", "--batch-size", "20", "--seed", "3", "--runs-db", str(db)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "resnet_gui", *long_run],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        # Batches are recorded once training runs, after the signal handlers are installed.
        while not (db.exists() and (runs := RunStore(db).list()) and RunStore(db).batch_losses(runs[0].id)):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no batch was recorded in 300 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    run = RunStore(db).list()[0]
    assert proc.returncode == 130, err
    assert f"continue with: resnet-gui train --resume {run.id}" in err
    assert run.status == "stopped" and run.ended_at is not None and run.epochs_done < 100
