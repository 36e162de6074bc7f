"""The muon optimiser: Muon for the convolutions' filters (orthogonalised, normalised steps at their own
rate), SGD for the rest; it trains, and a steered learning rate moves both rates."""

from __future__ import annotations

from dataclasses import asdict

import pytest
import torch
from torch import nn

from resnet_gui.data.datasets import load_sample
from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import SPECS, RunConfig, with_changes
from resnet_gui.settings.validation import validate
from resnet_gui.training.engine import fit
from resnet_gui.training.events import Steered
from resnet_gui.training.muon import ConvMuon, orthogonalise
from resnet_gui.training.optimisation import make_optimizer, make_scheduler
from resnet_gui.training.steering import Steering

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1, 1), "channels": 8, "stem": "small"},
    train={"epochs": 3, "batch_size": 500, "precision": "fp32", "optimizer": "muon", "muon_lr": 0.04},
)
# The rest by SGD, one-cycle, the norms and biases not decayed.
CFG = with_changes(CFG, train={"lr": 0.05, "schedule": "onecycle", "weight_decay": 5e-3, "decay_norms": False})


@pytest.mark.parametrize("shape", [(48, 432), (432, 48), (16, 144), (192, 1728)])
def test_the_update_is_made_nearly_orthogonal(shape: tuple[int, int]) -> None:
    torch.manual_seed(0)
    g = torch.randn(*shape) * torch.logspace(-2, 0, shape[1])  # directions of very different sizes
    out = orthogonalise(g)
    assert out.shape == g.shape and out.dtype == g.dtype
    singular = torch.linalg.svdvals(out)
    # Newton-Schulz with Muon's coefficients: every direction ends between about 0.6 and 1.2, where the
    # gradient's own spanned two orders of magnitude.
    assert singular.min() > 0.5 and singular.max() < 1.3


@pytest.mark.parametrize("shape", [(48, 432), (432, 48), (192, 1728)])
def test_an_update_of_nearly_lower_rank_stays_bounded(shape: tuple[int, int]) -> None:
    # Real momenta have directions a million times smaller than the largest (a Gram matrix rounded to
    # bfloat16 turned them into growing negative eigenvalues: singular values of 5 to 3,000, then NaN).
    torch.manual_seed(0)
    rows, cols = shape
    k = min(shape)
    left, right = torch.linalg.qr(torch.randn(rows, k))[0], torch.linalg.qr(torch.randn(cols, k))[0]
    sizes = torch.logspace(0, -6, k)
    singular = torch.linalg.svdvals(orthogonalise((left * sizes) @ right.T))
    assert singular.max() < 1.3
    assert (singular > 0.5).sum() >= (sizes >= 1e-2).sum()  # directions down to 1 % of the largest reach ~1


def test_filters_go_to_muon_at_their_rate_and_everything_else_to_sgd() -> None:
    model = build_model(CFG.model)
    opt = make_optimizer(model, CFG)
    assert isinstance(opt, ConvMuon)
    *sgd_groups, muon = opt.param_groups
    filters = [m.weight for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert muon["muon"] and muon["lr"] == 0.04 and {id(p) for p in muon["params"]} == {id(w) for w in filters}
    assert [(g["muon"], g["lr"], g["weight_decay"]) for g in sgd_groups] == [(False, 0.05, 5e-3), (False, 0.05, 0.0)]
    every = [id(p) for g in opt.param_groups for p in g["params"]]
    assert sorted(every) == sorted(id(p) for p in model.parameters())  # each parameter once


def test_everything_but_the_filters_moves_as_under_sgd() -> None:
    torch.manual_seed(0)
    muon_net = build_model(CFG.model)
    sgd_net = build_model(CFG.model)
    sgd_net.load_state_dict(muon_net.state_dict())
    muon = make_optimizer(muon_net, CFG)
    sgd = make_optimizer(sgd_net, with_changes(CFG, train={"optimizer": "sgd"}))
    for _ in range(3):  # the same gradients for both, so momentum and decay are compared too
        for a, b in zip(muon_net.parameters(), sgd_net.parameters(), strict=True):
            a.grad = torch.randn_like(a)
            b.grad = a.grad.clone()
        muon.step()
        sgd.step()
    for a, b in zip(muon_net.parameters(), sgd_net.parameters(), strict=True):
        assert torch.equal(a, b) is (a.ndim != 4), a.shape


def test_a_step_keeps_each_filter_bank_at_a_fixed_norm() -> None:
    model = build_model(CFG.model)
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        conv.weight.mul_(3.0)
    opt = make_optimizer(model, CFG)
    (0.0 * model(torch.randn(2, 1, 28, 28)).sum()).backward()  # zero gradients: only the rescaling acts
    opt.step()
    assert float(conv.weight.detach().norm()) == pytest.approx(len(conv.weight) ** 0.5, rel=1e-5)
    model(torch.randn(4, 1, 28, 28)).logsumexp(1).sum().backward()
    before = conv.weight.detach().clone()
    opt.step()
    assert not torch.equal(conv.weight, before)  # a real gradient turns the filters


def test_a_muon_run_learns_faster_than_sgd_at_the_same_rate() -> None:
    data = load_sample()
    muon = [e.loss for e in fit(CFG, data=data, report_every_s=0).history]
    sgd = [e.loss for e in fit(with_changes(CFG, train={"optimizer": "sgd"}), data=data, report_every_s=0).history]
    assert muon == sorted(muon, reverse=True) and muon[-1] < sgd[-1]  # resuming: tests/core/test_decay_norms.py


def test_a_steered_learning_rate_scales_the_filters_rate_with_it() -> None:
    model = build_model(CFG.model)
    opt = make_optimizer(model, CFG)
    scheduler = make_scheduler(opt, CFG, steps_per_epoch=10)
    cfg = Steering(None, opt, scheduler, 10).restore(CFG, [asdict(Steered(1, "lr", 0.1, 1, 0))])
    assert cfg.train.lr == 0.1
    assert scheduler.base_lrs == pytest.approx([0.1, 0.1, 0.08])  # the filters' rate doubled with it
    assert [g["lr"] / base for g, base in zip(opt.param_groups, scheduler.base_lrs, strict=True)] == pytest.approx(
        [opt.param_groups[0]["lr"] / 0.1] * 3
    )


def test_the_muon_rate_is_checked_and_shown_only_with_muon() -> None:
    for bad in (0.0, 2.0):
        (problem,) = validate(with_changes(CFG, train={"muon_lr": bad}))
        assert str(problem) == f"train.muon_lr: must be greater than 0.0 and at most 1.0, got {bad}"
    spec = SPECS["train.muon_lr"]
    assert spec.used_with("muon") and not spec.used_with("sgd") and not spec.used_with("adam")
    assert SPECS["train.momentum"].used_with("muon") and SPECS["train.momentum"].used_with("sgd")
