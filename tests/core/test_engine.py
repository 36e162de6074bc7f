"""The training loop: it learns, reports plain numbers, stops on request, fails with a message."""

import threading

import numpy as np
import pytest
import torch

from resnet_gui.data.datasets import load_sample
from resnet_gui.errors import ConfigError, DataError, TrainingError
from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd, EpochEnd, EpochPredictions, RunEnd, RunStarted

TINY = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1, 1), "channels": 16},
    train={"epochs": 2, "batch_size": 256, "precision": "fp32"},
)


def plain(value: object) -> bool:
    return isinstance(value, (int, float, str, tuple, type(None))) and not isinstance(value, torch.Tensor)


def test_trains_and_reports_plain_numbers() -> None:
    events: list = []
    result = fit(TINY, callbacks=[events.append], report_every_s=0)
    assert result.status == "finished" and len(result.history) == 2
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunEnd)
    assert events[0].train_size == 6000 and events[0].batches_per_epoch == 24
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == [1, 2]
    assert epochs[1].loss < epochs[0].loss
    assert epochs[1].test_acc > 0.5 and 0 <= epochs[1].train_acc <= 1
    batches = [e for e in events if isinstance(e, BatchEnd)]
    assert [b.batch for b in batches if b.epoch == 1] == list(range(1, 25))
    reports = [e for e in events if isinstance(e, EpochPredictions)]
    assert [r.epoch for r in reports] == [1, 2] and reports[1].accuracy == epochs[1].test_acc
    for e in events:
        if isinstance(e, EpochPredictions):
            assert all(isinstance(a, np.ndarray) for a in (e.labels, e.predicted, e.probs))
        else:
            assert all(plain(v) for v in vars(e).values()), e
    assert epochs[0].line().startswith("epoch 1, loss ")


def test_same_seed_same_run() -> None:
    cfg = with_changes(TINY, train={"epochs": 1})
    a, b = fit(cfg), fit(cfg)
    assert [e.loss for e in a.history] == [e.loss for e in b.history]
    assert [e.test_acc for e in a.history] == [e.test_acc for e in b.history]


def test_stop_takes_effect_within_one_batch() -> None:
    stop = threading.Event()
    seen: list = []

    def on_event(e: object) -> None:
        seen.append(e)
        if isinstance(e, BatchEnd) and e.batch == 3:
            stop.set()

    result = fit(with_changes(TINY, train={"epochs": 5}), callbacks=[on_event], stop=stop, report_every_s=0)
    assert result.status == "stopped" and result.history == []
    assert max(e.batch for e in seen if isinstance(e, BatchEnd)) == 3
    assert seen[-1] == RunEnd("stopped", 0)


def test_bf16_autocast_trains() -> None:
    result = fit(with_changes(TINY, train={"precision": "bf16", "epochs": 1}))
    assert result.precision == "bf16" and result.history[0].test_acc > 0.3


def test_sgd_cosine_augmented_recipe_trains() -> None:
    cfg = with_changes(
        TINY,
        train={
            "optimizer": "sgd",
            "lr": 0.05,
            "schedule": "cosine",
            "warmup_epochs": 0.5,
            "augment": "crop+flip",
            "label_smoothing": 0.1,
            "weight_decay": 5e-4,
        },
        model={"stem": "small", "channels": 8},
    )
    result = fit(cfg)
    assert result.status == "finished" and result.history[-1].test_acc > 0.3


def test_diverging_loss_ends_with_a_message() -> None:
    model_cfg = with_changes(TINY).model
    state = build_model(model_cfg).state_dict()
    state["fc.1.bias"].fill_(float("nan"))
    with pytest.raises(TrainingError, match=r"diverged. Lower the learning rate"):
        fit(TINY, initial_state=state)


def test_invalid_settings_and_bad_data_are_user_errors() -> None:
    with pytest.raises(ConfigError, match=r"train.lr"):
        fit(with_changes(TINY, train={"lr": -1.0}))
    ds = load_sample()
    broken = type(ds)("sample", ds.train_x[:10], ds.train_y[:5], ds.test_x, ds.test_y, ds.class_names)
    with pytest.raises(DataError, match="malformed"):
        fit(TINY, data=broken)


def test_each_epoch_reports_the_test_loss_as_the_cross_entropy_of_its_answers() -> None:
    events: list = []
    fit(with_changes(TINY, train={"epochs": 1}), callbacks=[events.append], report_every_s=0)
    (epoch,) = [e for e in events if isinstance(e, EpochEnd)]
    (answers,) = [e for e in events if isinstance(e, EpochPredictions)]
    picked = answers.probs[np.arange(len(answers.labels)), answers.labels]
    assert epoch.test_loss == pytest.approx(float(-np.log(picked).mean()), rel=1e-5)
    assert 0.1 < epoch.test_loss < 5
