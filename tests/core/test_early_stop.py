"""Early stopping: the rule on made-up accuracies, and a run that ends "finished early" keeping its best epoch."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from recorded_runs import train

from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.validation import validate
from resnet_gui.training.checkpoint import load_checkpoint
from resnet_gui.training.early_stop import EarlyStopping, best_epoch
from resnet_gui.training.engine import fit
from resnet_gui.training.events import Event, RunEnd


@pytest.mark.parametrize(
    ("patience", "min_delta", "accs", "stops_after"),
    [
        (2, 0.0, [0.5, 0.6, 0.55, 0.58, 0.7], 4),  # epochs 3 and 4 are not better than epoch 2
        (2, 0.0, [0.5, 0.6, 0.55, 0.61, 0.6, 0.6], 6),  # epoch 4 is: the count starts again
        (2, 0.05, [0.5, 0.54, 0.53, 0.7], 3),  # +0.04 is not better by more than 0.05
        (1, 0.0, [0.5, 0.5], 2),  # equal is not better
        (0, 0.0, [0.5, 0.4, 0.3, 0.2], None),  # off
    ],
)
def test_the_rule_stops_after_patience_epochs_without_a_better_accuracy(
    patience: int, min_delta: float, accs: list[float], stops_after: int | None
) -> None:
    rule = EarlyStopping(patience, min_delta)
    stops = [epoch for epoch, acc in enumerate(accs, start=1) if rule.update(acc)]
    assert (stops[0] if stops else None) == stops_after


def test_a_resumed_run_rebuilds_the_rule_from_its_history() -> None:
    rule = EarlyStopping(2)
    assert not rule.replay([0.5, 0.6, 0.55])
    assert rule.update(0.58) and rule.best_epoch == 2


def test_the_best_epoch_is_the_one_best_pt_holds() -> None:
    assert best_epoch([0.5, 0.7, 0.6, 0.7, 0.65]) == 4 and best_epoch([]) == 0


def test_patience_and_min_delta_are_settings_with_limits() -> None:
    assert RunConfig().train.early_stop_patience == 0  # off by default
    bad = with_changes(RunConfig(), train={"early_stop_patience": -1, "early_stop_min_delta": 2.0})
    assert {p.field for p in validate(bad)} == {"train.early_stop_patience", "train.early_stop_min_delta"}


def test_a_run_finishes_early_and_keeps_its_best_checkpoint(tmp_path: Path) -> None:
    # A gain of more than 1 is impossible: epoch 1 is the best that counts, and epoch 2 ends the run.
    cfg = with_changes(
        RunConfig(),
        data={"dataset": "sample", "resize": 0},
        model={"blocks": (1,), "channels": 8},
        train={"epochs": 4, "batch_size": 1000, "early_stop_patience": 1, "early_stop_min_delta": 1.0},
    )
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(cfg)
    result, events = train(store, run_id, cfg)
    assert result.status == "finished early" and [e.epoch for e in result.history] == [1, 2]
    accs = [e.test_acc for e in result.history]
    best = best_epoch(accs)
    end = events[-1]
    assert isinstance(end, RunEnd) and end.status == "finished early"
    assert f"best epoch {best} (test accuracy {accs[best - 1]:.4f}) kept" in end.message
    run = store.get(run_id)
    assert (run.status, run.error, run.epochs_done) == ("finished early", "", 2)
    assert run.trained_checkpoint == run.best_checkpoint
    kept = load_checkpoint(run.trained_checkpoint)
    assert kept["epoch"] == best
    # best.pt holds the weights of the best epoch, whichever that was.
    last = load_checkpoint(run.last_checkpoint)
    same = all(torch.equal(kept["model"][k], last["model"][k]) for k in kept["model"])
    assert same == (best == 2)
