"""What the engine feeds the network and what it reports: shuffled batches, clean test images, exact
accuracies, and a stopped run recorded as stopped."""

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from resnet_gui.data.datasets import DataSet
from resnet_gui.inference import predictions
from resnet_gui.inference.predictions import evaluate_checkpoint
from resnet_gui.model import resnet
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import ModelConfig, RunConfig, with_changes
from resnet_gui.training.checkpoint import LAST, load_checkpoint
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd, EpochEnd, EpochPredictions, RunEnd

# A network small enough for 8x8 images and a few hundred of them.
TOY = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 4, "stem": "small", "stem_pool": False},
    train={"epochs": 2, "batch_size": 64, "precision": "fp32", "device": "cpu", "seed": 0},
)


def toy_data(train_labels: list[int], test_labels: list[int]) -> DataSet:
    """8x8 one-channel images; training image ``i`` is filled with the value ``i``, so a batch shows its indices."""
    n = len(train_labels)
    assert n <= 256
    train_x = torch.arange(n, dtype=torch.uint8)[:, None, None, None].expand(n, 1, 8, 8).contiguous()
    test_x = torch.randint(
        0, 256, (len(test_labels), 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    return DataSet("toy", train_x, torch.tensor(train_labels), test_x, torch.tensor(test_labels), ("a", "b"))


def test_each_epoch_trains_on_a_fresh_shuffle_of_every_image() -> None:
    seen: list[int] = []

    def record_training_inputs(module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
        if module.training:
            seen.extend((args[0][:, 0, 0, 0] * 255).round().long().tolist())

    net = resnet.build_model(replace(TOY.model, num_classes=2))
    net.register_forward_pre_hook(record_training_inputs)
    n = 200  # 3 full batches of 64 and a short one of 8
    fit(TOY, data=toy_data([i % 2 for i in range(n)], [0, 1]), model=net)
    assert len(seen) == 2 * n
    first, second = seen[:n], seen[n:]
    assert sorted(first) == sorted(second) == list(range(n))  # every image once per epoch
    assert first != list(range(n)), "trained in storage order, not shuffled"
    assert second != first, "the same order in both epochs"


def test_train_and_test_accuracy_count_every_image_once_with_a_short_last_batch() -> None:
    # The network is rigged to answer class "a" for every image: a zero fc weight and a large bias for
    # "a". With a negligible learning rate it keeps doing so, so the accuracies are known exactly.
    data = toy_data([0] * 70 + [1] * 130, [0] * 20 + [1] * 30)
    cfg = with_changes(TOY, train={"lr": 1e-7})
    state = resnet.build_model(replace(cfg.model, num_classes=2)).state_dict()
    state["fc.1.weight"].zero_()
    state["fc.1.bias"].copy_(torch.tensor([10.0, 0.0]))
    result = fit(cfg, data=data, initial_state=state)
    assert [e.train_acc for e in result.history] == [70 / 200, 70 / 200]  # 200 = 3 batches of 64 + 8
    assert [e.test_acc for e in result.history] == [20 / 50, 20 / 50]


def test_reported_test_accuracy_is_that_of_the_clean_test_images(tmp_path: Path) -> None:
    cfg = with_changes(
        TOY,
        model={"blocks": (1,), "channels": 16, "stem": "d2l", "stem_pool": True},
        train={"epochs": 1, "batch_size": 250, "augment": "crop+flip", "lr": 0.01},
    )
    reports: list[EpochPredictions] = []
    result = fit(
        cfg,
        checkpoint_dir=tmp_path,
        callbacks=[lambda e: reports.append(e) if isinstance(e, EpochPredictions) else None],
    )
    reported = result.history[-1].test_acc
    assert reported > 0.4  # trained, so cropped and flipped test images would be scored differently
    fresh = evaluate_checkpoint(tmp_path / LAST, device="cpu")
    assert fresh.accuracy == reported
    assert np.array_equal(fresh.counts, reports[-1].confusion())
    # Image by image: the saved network's answers on the test set are the ones the run reported.
    ckpt = load_checkpoint(tmp_path / LAST)
    net = resnet.build_model(ModelConfig(**{**ckpt["model_config"], "blocks": tuple(ckpt["model_config"]["blocks"])}))
    net.load_state_dict(ckpt["model"])
    again = predictions.test_set_predictions(net.eval(), cfg.data, device="cpu", precision="fp32", batch_size=250)
    assert int((again.predicted != reports[-1].predicted).sum()) == 0


def test_a_run_stopped_part_way_is_recorded_as_stopped(tmp_path: Path) -> None:
    cfg = with_changes(
        TOY,
        model={"blocks": (1,), "channels": 8, "stem": "d2l", "stem_pool": True},
        train={"epochs": 3, "batch_size": 1000},
    )
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(cfg)
    stop = threading.Event()
    events: list[object] = []

    def stop_in_epoch_2(e: object) -> None:
        events.append(e)
        if isinstance(e, BatchEnd) and (e.epoch, e.batch) == (2, 2):
            stop.set()

    result = fit(
        cfg,
        callbacks=[stop_in_epoch_2, store.recorder(run_id)],
        stop=stop,
        report_every_s=0,
        checkpoint_dir=store.get(run_id).checkpoint_dir,
    )
    assert result.status == "stopped"
    assert events[-1] == RunEnd("stopped", 1)
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [1]
    run = store.get(run_id)
    assert (run.status, run.epochs_done, run.epochs_planned) == ("stopped", 1, 3)
    assert run.ended_at is not None and Path(run.last_checkpoint).is_file()
