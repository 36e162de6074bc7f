"""``resnet-gui runs color``, and runs repeated with seeds: ``train --seeds N``, ``runs repeat ID --seeds N``."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from cli_helpers import run

from resnet_gui.cli.main import main
from resnet_gui.runs.processes import SHARED_THREADS_ENV, process_alive, share_cores
from resnet_gui.runs.seeds import launch_seeds
from resnet_gui.runs.status import RunStatus
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.toml_io import save_toml

TINY = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 8},
    train={"epochs": 1, "batch_size": 512, "precision": "fp32", "seed": 3},
)


def test_runs_color_sets_and_resets_a_runs_colour(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    run_id = store.create_run(TINY, "tiny")
    code, out, _ = run("runs", "color", str(run_id), "#EE6677", "--runs-db", str(db))
    assert code == 0 and out.strip() == f"run {run_id} (tiny): #ee6677"
    assert store.get(run_id).color == "#ee6677"
    code, out, _ = run("runs", "color", str(run_id), "reset", "--runs-db", str(db), "--json")
    assert code == 0 and json.loads(out) == {"id": run_id, "color": None} and store.get(run_id).color == ""
    for args, message in (
        ((str(run_id), "#12345"), "a run colour is #rrggbb, not '#12345'"),
        (("99", "#123456"), "no run with id 99"),
        ((str(run_id),), "give one run id and a colour"),
        ((str(run_id), "blue"), "a run id is a number, not 'blue'"),
    ):
        code, _, err = run("runs", "color", *args, "--runs-db", str(db))
        assert code != 0 and message in err, args
    code, _, err = run("runs", "show", "reset", "--runs-db", str(db))
    assert code == 1 and "run ids are numbers" in err


def _wait_finished(store: RunStore, count: int, pids: list[int], timeout: float = 150.0) -> list:
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            runs = store.list()
            if len(runs) >= count and all(r.status != RunStatus.RUNNING for r in runs):
                return runs
            time.sleep(0.5)
        raise AssertionError(f"the runs did not finish in time: {[(r.name, r.status) for r in store.list()]}")
    finally:
        for pid in pids:
            if process_alive(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)


def test_train_and_repeat_with_seeds_start_grouped_background_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the runs' processes share the CPU with the tests
    db = tmp_path / "runs.sqlite"
    config = tmp_path / "run.toml"
    save_toml(TINY, config)
    store = RunStore(db)
    source = store.create_run(with_changes(TINY, train={"seed": None}), "baseline")
    store.finish(source, RunStatus.FINISHED)

    code, out, _ = run("train", "--config", str(config), "--seeds", "2", "--runs-db", str(db), "--json")
    assert code == 0
    trained = json.loads(out)
    code, out, _ = run("runs", "repeat", str(source), "--seeds", "2", "--runs-db", str(db))
    assert code == 0 and out.startswith("started 2 background runs tagged seeds:")
    assert "baseline · seed 0 (pid " in out and "baseline · seed 1 (pid " in out
    pids = [int(line.split("(pid ")[1].split(",")[0]) for line in out.splitlines() if "(pid " in line]
    runs = _wait_finished(store, 5, [r["pid"] for r in trained["runs"]] + pids)

    group = [r for r in runs if trained["group"] in r.tags]
    assert trained["group"].startswith("seeds:") and len(group) == 2
    assert sorted(r.config.train.seed for r in group) == [3, 4]  # the settings' seed, then the next
    assert all(r.status == RunStatus.FINISHED and r.best_epoch == 1 for r in group)
    assert all(with_changes(r.config, train={"seed": 3}) == TINY for r in group)
    repeats = [r for r in runs if r.name.startswith("baseline · seed")]
    assert sorted(r.config.train.seed for r in repeats) == [0, 1]  # a random seed repeats as 0, 1, …
    assert len({r.tags for r in repeats}) == 1 and repeats[0].tags != group[0].tags


def _started_env(pid: int) -> dict[str, str]:
    """The environment a launched run was given, read from /proc. Once in CI a second launch read without
    OMP_NUM_THREADS; an empty read, or this process's own environment (it holds RESNET_GUI_RUNS, which a
    launch removes) before the child's replaced it, is read again."""
    deadline = time.monotonic() + 10
    while True:
        env = psutil.Process(pid).environ()
        if (env and "RESNET_GUI_RUNS" not in env) or time.monotonic() > deadline:
            return env
        time.sleep(0.01)


def test_runs_started_together_split_the_cores(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    db = tmp_path / "runs.sqlite"
    RunStore(db)  # as the window's and the CLI's, the history exists before its runs start
    _tag, launches = launch_seeds(TINY, 2, db, "split")
    try:
        envs = [_started_env(launch.pid) for launch in launches]
        threads = [env.get("OMP_NUM_THREADS") for env in envs]
    finally:
        runs = _wait_finished(RunStore(db), 2, [launch.pid for launch in launches])
    each = str(max(1, (os.cpu_count() or 1) // 2))
    assert threads == [each, each]  # two runs on two cores: one thread each, not two each
    assert all(env.get(SHARED_THREADS_ENV) == "1" for env in envs)  # a share: the last to train takes all back
    assert all(r.status == RunStatus.FINISHED for r in runs)
    assert share_cores({"OMP_NUM_THREADS": "3"}, 2) == {"OMP_NUM_THREADS": "3"}  # the user's own stays
    assert share_cores({}, 1) == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--seeds", "1"), "--seeds: give 2 to 20 seeds, not 1"),
        (("--seeds", "3", "--lr", "-1"), "lr"),
    ],
)
def test_train_with_seeds_refuses_before_starting_anything(tmp_path: Path, args: tuple, message: str) -> None:
    db = tmp_path / "runs.sqlite"
    code, _, err = run("train", "--data", "sample", "--runs-db", str(db), *args)
    assert code == 1 and message in err
    assert RunStore(db).list() == [] and not (tmp_path / "background").exists()
