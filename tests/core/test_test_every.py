"""Scoring the test set every N epochs: which epochs are scored, what a run records and keeps, and
what the rules that read test accuracies make of the epochs without one."""

from __future__ import annotations

import threading
from pathlib import Path

import optuna
import pytest
from recorded_runs import ask_at, train

from resnet_gui.experiments.trial import Pruning
from resnet_gui.inference.predictions import scored_after, scorings_in_run
from resnet_gui.runs.changes import ask_change
from resnet_gui.runs.comparison import BestLast
from resnet_gui.runs.export import metrics_csv
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.validation import validate
from resnet_gui.training.checkpoint import load_checkpoint
from resnet_gui.training.early_stop import EarlyStopping, best_epoch
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd, EpochEnd, EpochPredictions, Event

# 6 batches per epoch on the bundled sample.
CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 8},
    train={"epochs": 5, "batch_size": 1000, "precision": "fp32", "lr": 1e-2, "test_every": 2},
)


def epoch(n: int, test_acc: float | None) -> EpochEnd:
    return EpochEnd(n, 1.0 / n, 0.5, test_acc, 1.0, 100.0, 1e-3)


@pytest.mark.parametrize(
    ("epochs", "every", "scored"),
    [(5, 1, [1, 2, 3, 4, 5]), (5, 2, [2, 4, 5]), (6, 3, [3, 6]), (3, 10, [3])],
)
def test_every_nth_epoch_and_the_last_are_scored(epochs: int, every: int, scored: list[int]) -> None:
    train = with_changes(RunConfig(), train={"epochs": epochs, "test_every": every}).train
    assert [e for e in range(1, epochs + 1) if scored_after(train, e)] == scored
    assert scorings_in_run(train) == len(scored)


def test_the_setting_is_checked_and_scores_every_epoch_by_default() -> None:
    assert RunConfig().train.test_every == 1
    problems = validate(with_changes(RunConfig(), train={"test_every": 0}))
    assert [p.field for p in problems] == ["train.test_every"]


def test_a_run_scores_only_its_scored_epochs_and_keeps_the_best_of_those(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)
    result, events = train(store, run_id, CFG)
    assert result.status == "finished"
    accs = [e.test_acc for e in result.history]
    assert [a is not None for a in accs] == [False, True, False, True, True]
    assert [e.epoch for e in events if isinstance(e, EpochPredictions)] == [2, 4, 5]
    assert result.history[0].line().startswith("epoch 1, loss ") and ", not tested, time " in result.history[0].line()
    assert [e.test_acc for e in store.epochs(run_id)] == accs  # recorded as missing, not as 0
    run = store.get(run_id)
    scored = [a for a in accs if a is not None]
    assert run.best_test_acc == max(scored) and run.last_test_acc == accs[-1]
    assert run.best_epoch == accs.index(max(scored)) + 1
    assert load_checkpoint(run.best_checkpoint)["epoch"] == best_epoch(accs) in (2, 4, 5)
    assert metrics_csv(store.epochs(run_id)).splitlines()[1].split(",")[3] == ""  # an empty cell


def test_scoring_less_often_trains_the_same_network() -> None:
    every = [fit(with_changes(CFG, train={"epochs": 3, "test_every": n})).history for n in (1, 3)]
    assert [e.loss for e in every[0]] == [e.loss for e in every[1]]
    assert every[0][-1].test_acc == every[1][-1].test_acc and every[1][0].test_acc is None


def test_a_stop_asked_for_after_an_unscored_epoch_scores_it(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(CFG)

    on_event = ask_at(store, run_id, (3, 2), "stop_after_epoch", 1)
    result, _ = train(store, run_id, CFG, on_event)
    assert result.status == "stopped" and [e.epoch for e in result.history] == [1, 2, 3]
    assert [e.test_acc is not None for e in result.history] == [False, True, True]


def test_early_stopping_counts_only_scored_epochs() -> None:
    rule = EarlyStopping(patience=2)
    stops = [n for n, acc in enumerate([0.5, None, 0.4, None, None, 0.45], start=1) if rule.update(acc)]
    assert stops == [6]  # epochs 3 and 6 were the two scored epochs without a better accuracy
    assert best_epoch([None, 0.5, None, 0.5, None]) == 4 and best_epoch([None, None]) == 0


def test_best_and_last_read_the_scored_epochs() -> None:
    scores = BestLast.of([epoch(1, None), epoch(2, 0.8), epoch(3, 0.9), epoch(4, None)])
    assert scores == BestLast(0.9, 3, 0.9)
    assert BestLast.of([epoch(1, None)]) is None


def test_a_sweep_trial_reports_only_scored_epochs_to_its_pruner() -> None:
    study = optuna.create_study(direction="maximize")
    pruning = Pruning(study.ask(), stop=threading.Event(), last_epoch=4)
    for n, acc in [(1, None), (2, 0.8), (3, None), (4, 0.85)]:
        pruning(epoch(n, acc))
    assert study.trials[0].intermediate_values == {2: 0.8, 4: 0.85}
