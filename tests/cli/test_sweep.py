"""resnet-gui sweep: a 2x2 grid on the sample, trials as runs, workers sharing a study, pruning."""

import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from sweep_helpers import BASE, GRID_2X2, assert_each_point_once, json_lines, run, sweep_file

from resnet_gui.experiments.definition import load_sweep
from resnet_gui.experiments.processes import launch_sweep, stop_workers
from resnet_gui.experiments.results import importances, trial_rows
from resnet_gui.experiments.study import default_storage, join_sweep
from resnet_gui.experiments.worker import release_abandoned
from resnet_gui.runs.status import RunStatus
from resnet_gui.runs.store import RunStore

pytestmark = pytest.mark.slow


def test_a_2x2_grid_run_by_two_workers_reports_4_trials_once_as_runs_and_the_best(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.sqlite")
    grid = str(sweep_file(tmp_path))
    code, out, err = run("sweep", "--config", grid, "--name", "g", "--workers", "2", "--runs-db", db, "--json")
    assert code == 0, err
    trials, best = json_lines(out)
    assert_each_point_once(trials)  # two processes took trials from one study: each grid point ran once
    assert best == max(trials, key=lambda t: (t["best_test_acc"], -t["trial"]))
    storage = default_storage(db)
    assert storage == f"sqlite:///{tmp_path / 'experiments.sqlite'}"
    opened = join_sweep("g", storage)
    assert len(opened.study.get_trials()) == 4  # nothing skipped, nothing twice
    # Each trial is an ordinary run of the run history, tagged with its experiment and trial number.
    runs = RunStore(db).experiment_runs("g")
    assert [(r.trial, r.status, r.epochs_done) for r in runs] == [(i, RunStatus.FINISHED, 1) for i in range(4)]
    by_run = {t["run_id"]: t for t in trials}
    assert all(by_run[r.id]["best_test_acc"] == r.best_test_acc and r.name == f"g #{r.trial}" for r in runs)
    assert all(r.config.model.channels == by_run[r.id]["params"]["model.channels"] for r in runs)

    # A worker joining the finished study finds nothing left, and prints the table and the best.
    code, out, _ = run("sweep", "--join", "g", "--storage", storage, "--runs-db", db)
    assert code == 0 and "model.channels" in out.splitlines()[2]
    assert f"best: trial {best['trial']} (run {best['run_id']})" in out and f"{best['best_test_acc']:.4f}" in out

    rows = trial_rows(opened)
    assert [(r.number, r.run_id, r.best_epoch, r.state) for r in rows] == [
        (t["trial"], t["run_id"], 1, "complete") for t in sorted(trials, key=lambda t: t["trial"])
    ]
    assert all(r.seconds is not None and r.seconds > 0 for r in rows)
    shares = importances(opened)
    assert set(shares) == {"train.lr", "model.channels"} and sum(shares.values()) == pytest.approx(1.0)


def test_a_trial_trailing_the_others_is_pruned_and_says_so(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.sqlite")
    text = (
        'pruner = "median"\n'
        + BASE.replace("epochs = 1", "epochs = 2")
        + '[space."train.lr"]\nvalues = [0.05, 0.03, 1e-6]\n'
    )
    code, out, err = run("sweep", "--config", str(sweep_file(tmp_path, text)), "--name", "p", "--runs-db", db, "--json")
    assert code == 0, err
    trials, best = json_lines(out)
    assert [t["state"] for t in trials] == ["complete", "complete", "pruned"]
    assert best["trial"] in (0, 1)
    pruned = RunStore(db).get(trials[2]["run_id"])
    assert pruned.status == RunStatus.PRUNED and pruned.epochs_done == 1
    assert pruned.error.startswith("pruned after epoch 1: test accuracy")
    rows = trial_rows(join_sweep("p", default_storage(db)))
    assert rows[2].state == "pruned" and rows[2].best_test_acc == trials[2]["best_test_acc"]


def _wait_for(condition, seconds: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _gone(pids: tuple[int, ...]) -> bool:
    return not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)


def test_a_background_sweep_pauses_after_its_trial_resumes_and_stops(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    text = GRID_2X2.replace("epochs = 1", "epochs = 2").replace("values = [4, 6]", "values = [4]")
    sweep = load_sweep(sweep_file(tmp_path, text))
    started = launch_sweep(sweep, db, "bg")
    _wait_for(lambda: len(store.experiment_runs("bg")) == 1)
    assert stop_workers(started.pids, after_trial=True) == 1  # pause: the trial ends, no other starts
    _wait_for(lambda: _gone(started.pids))
    assert [r.state for r in trial_rows(join_sweep("bg", started.storage))] == ["complete", "waiting"]

    resumed = launch_sweep(sweep, db, "bg")  # the same sweep under the same name goes on
    _wait_for(lambda: len(store.experiment_runs("bg")) == 2)
    assert stop_workers(resumed.pids) == 1  # stop now: the run stops after its batch
    _wait_for(lambda: _gone(resumed.pids))
    first, second = store.experiment_runs("bg")
    assert first.status == RunStatus.FINISHED and second.status == RunStatus.STOPPED
    rows = trial_rows(join_sweep("bg", started.storage))
    # The stopped trial's grid point waits for the next worker; the log says what happened.
    assert [r.state for r in rows] == ["complete", "waiting"] and rows[1].params == rows[0].params | {"train.lr": 0.05}
    assert "stopping the sweep after this batch" in resumed.log_files[0].read_text()
    assert not stop_workers([os.getpid()])  # never a process that is not a sweep worker

    # A worker killed mid-trial: the next worker here gives its trial back, and its point is queued again.
    killed = launch_sweep(sweep, db, "bg")
    _wait_for(lambda: len(store.experiment_runs("bg")) == 3)
    os.kill(killed.pids[0], signal.SIGKILL)
    _wait_for(lambda: _gone(killed.pids))
    opened = join_sweep("bg", started.storage)
    abandoned = [t.number for t in opened.study.get_trials() if t.state.name == "RUNNING"]
    assert release_abandoned(opened) == abandoned and len(abandoned) == 1
    assert store.experiment_runs("bg")[2].status == RunStatus.CRASHED
    assert [r.state for r in trial_rows(opened)] == ["complete", "waiting"]
