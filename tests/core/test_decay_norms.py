"""Weight decay on the batch norms and biases, or on the weights alone: which parameters decay, and that
runs with either (under SGD or Muon) still resume exactly and read back from older settings."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import torch
from torch import nn

from resnet_gui.data.datasets import DataSet, load_sample
from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.checkpoint import LAST, load_checkpoint
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd
from resnet_gui.training.optimisation import make_optimizer, parameter_groups

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1, 1), "channels": 8, "stem": "small"},
    train={
        "epochs": 3,
        "batch_size": 500,
        "precision": "fp32",
        "optimizer": "sgd",
        "lr": 0.05,
        "weight_decay": 5e-3,
        "schedule": "onecycle",
        "decay_norms": False,
    },
)


def test_decay_reaches_every_parameter_by_default() -> None:
    assert RunConfig().train.decay_norms is True
    assert RunConfig.from_dict({"train": {"weight_decay": 5e-4}}).train.decay_norms is True  # files from before
    model = build_model(CFG.model)
    (group,) = parameter_groups(list(model.parameters()), 5e-4, True)
    assert group["weight_decay"] == 5e-4 and len(group["params"]) == len(list(model.parameters()))


def test_off_the_norms_and_biases_do_not_decay_and_every_weight_does() -> None:
    model = build_model(CFG.model)
    decayed, kept = parameter_groups(list(model.parameters()), 5e-4, False)
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    biases = [m.bias for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None]
    weights = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    expected_kept = {id(p) for m in norms for p in (m.weight, m.bias)} | {id(b) for b in biases}
    assert norms and biases
    assert {id(p) for p in kept["params"]} == expected_kept and kept["weight_decay"] == 0.0
    assert {id(p) for p in decayed["params"]} == {id(w) for w in weights} and decayed["weight_decay"] == 5e-4
    assert len(decayed["params"]) + len(kept["params"]) == len(list(model.parameters()))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("decay_norms", [True, False])
def test_a_step_without_gradient_shrinks_only_what_decays(optimizer: str, decay_norms: bool) -> None:
    cfg = with_changes(CFG, train={"optimizer": optimizer, "decay_norms": decay_norms, "weight_decay": 0.1})
    model = build_model(cfg.model)
    norm = next(m for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    scale, weight = norm.weight.detach().clone(), conv.weight.detach().clone()
    opt = make_optimizer(model, cfg)
    (0.0 * model(torch.randn(2, 1, 28, 28)).sum()).backward()  # every gradient zero: only the decay moves
    opt.step()
    assert not torch.equal(conv.weight, weight)
    assert torch.equal(norm.weight, scale) is not decay_norms


@pytest.fixture(scope="module")
def sample() -> DataSet:
    ds = load_sample()
    return type(ds)("sample", ds.train_x[::3], ds.train_y[::3], ds.test_x, ds.test_y, ds.class_names)


@pytest.mark.parametrize("optimizer", ["sgd", "muon"])  # muon: the filters by Muon, the norms by SGD
def test_a_run_without_decay_on_norms_resumes_exactly(tmp_path: Path, sample: DataSet, optimizer: str) -> None:
    cfg = with_changes(CFG, train={"optimizer": optimizer})
    whole = fit(cfg, data=sample, report_every_s=0)
    plain = fit(with_changes(cfg, train={"decay_norms": True}), data=sample, report_every_s=0)
    assert [e.loss for e in plain.history] != [e.loss for e in whole.history]
    stop = threading.Event()

    def stop_in_epoch_two(e: object) -> None:
        if isinstance(e, BatchEnd) and (e.epoch, e.batch) == (2, 2):
            stop.set()

    first = fit(cfg, data=sample, report_every_s=0, stop=stop, callbacks=[stop_in_epoch_two], checkpoint_dir=tmp_path)
    assert first.status == "stopped"
    resumed = fit(cfg, data=sample, report_every_s=0, checkpoint_dir=tmp_path, resume=load_checkpoint(tmp_path / LAST))
    assert [e.loss for e in resumed.history] == [e.loss for e in whole.history]
    assert [e.test_acc for e in resumed.history] == [e.test_acc for e in whole.history]
