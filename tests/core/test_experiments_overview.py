"""What the window reads of an experiment (state from trials and workers, names) and sweep.toml written back."""

from __future__ import annotations

from pathlib import Path

from resnet_gui.experiments.definition import Param, Sweep, load_sweep
from resnet_gui.experiments.overview import ExperimentView, experiments_storage, find_workers, new_name
from resnet_gui.experiments.results import TrialRow
from resnet_gui.experiments.sweep_toml import save_sweep, sweep_to_toml
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig

BASE = RunConfig(
    model=ModelConfig(blocks=(1, 1), channels=8),
    data=DataConfig(dataset="sample", resize=0),
    train=TrainConfig(epochs=2, seed=None),
)


def test_a_sweep_written_as_toml_reads_back_the_same(tmp_path: Path) -> None:
    sweep = Sweep(
        BASE,
        (
            Param("train.lr", (), 1e-4, 0.1, True),
            Param("model.blocks", ((1, 1), (2, 2))),
            Param("train.optimizer", ("adam", "sgd")),
            Param("train.batch_size", (), 64, 256, False),
        ),
        strategy="tpe",
        timeout_s=90.0,
        pruner="halving",
        seed=3,
        name="mixed",
    )
    path = tmp_path / "sweep.toml"
    save_sweep(sweep, path)
    assert load_sweep(path) == sweep
    text = sweep_to_toml(sweep)
    assert 'seed = "random"' in text and text.index("[base.model]") < text.index('[space."train.lr"]')


def row(number: int, state: str, acc: float | None = None) -> TrialRow:
    return TrialRow(number, state, {"train.lr": 0.01 * (number + 1)}, number + 1, "here", acc, 1, 2.0)


def view(rows: list[TrialRow], workers: tuple[int, ...] = (), **sweep: object) -> ExperimentView:
    params = (Param("train.lr", (0.01, 0.02, 0.03, 0.04)),)
    return ExperimentView("e", "sqlite:///x", Sweep(BASE, params, **sweep), tuple(rows), workers)  # type: ignore[arg-type]


def test_the_state_comes_from_the_workers_and_the_budget() -> None:
    two_done = [row(0, "complete", 0.5), row(1, "pruned", 0.2), row(2, "waiting"), row(3, "waiting")]
    assert view(two_done, workers=(123,)).state == "running"
    assert view(two_done).state == "paused"  # no worker, trials left: Resume goes on
    assert (view(two_done).done, view(two_done).complete, view(two_done).best.number) == (2, 1, 0)
    all_done = [row(i, "complete", 0.1 * i) for i in range(4)]
    assert view(all_done).state == "finished" and view(all_done).best.number == 3
    assert view(two_done, strategy="random", trials=2).state == "finished"
    assert view(two_done, strategy="random", timeout_s=60.0).state == "paused"  # a time budget: it can go on


def test_names_and_storage(tmp_path: Path) -> None:
    sweep = Sweep(BASE, (Param("train.lr", (0.01,)),), name="lr")
    assert new_name(sweep, ["lr", "lr-2"]) == "lr-3"
    assert new_name(Sweep(BASE, ()), []).startswith("experiment-")
    assert experiments_storage(tmp_path / "runs.sqlite") is None  # nothing made there yet: nothing is created
    assert not (tmp_path / "experiments.sqlite").exists()
    assert find_workers("no-such-study", "sqlite:///nowhere") == []
