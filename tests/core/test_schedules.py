"""Learning-rate schedules with warm-up, and how they compare with torch's schedulers."""

from collections.abc import Callable

import pytest
import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearLR, LRScheduler, OneCycleLR, SequentialLR

from resnet_gui.training.schedules import lr_factor

BASE_LR = 0.1
# torch's schedulers update the rate recursively (each step multiplies the last), ours evaluates a closed form:
# where the recipes coincide the rates still differ in the last bit on most steps.
ROUNDING = {"rel": 1e-12, "abs": 1e-15}


def test_constant_with_warmup() -> None:
    f = lr_factor("constant", 100, 10)
    assert f(0) == pytest.approx(0.1) and f(9) == 1.0 and f(99) == 1.0


def test_cosine_decays_to_zero() -> None:
    f = lr_factor("cosine", 100, 0)
    assert f(0) == 1.0 and f(50) == pytest.approx(0.5) and f(100) == pytest.approx(0.0)


def test_onecycle_rises_then_falls() -> None:
    f = lr_factor("onecycle", 100, 0)
    values = [f(s) for s in range(100)]
    peak = values.index(max(values))
    assert 25 <= peak <= 30 and values[0] < 0.1 and values[-1] < 0.05


def _rates(make: Callable[[Optimizer], LRScheduler], steps: int) -> tuple[list[float], set[float]]:
    """The learning rate of each optimizer step under the scheduler ``make`` builds, as the engine steps it
    (once per batch), and the momenta seen."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=BASE_LR, momentum=0.9)
    scheduler = make(opt)
    rates, momenta = [], set()
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        momenta.add(opt.param_groups[0]["momentum"])
        opt.step()
        scheduler.step()
    return rates, momenta


def _ours(schedule: str, total: int, warmup: int) -> list[float]:
    """The engine's rates: LambdaLR over lr_factor."""
    return _rates(lambda opt: LambdaLR(opt, lr_factor(schedule, total, warmup)), total)[0]


def _torch_warmup(opt: Optimizer, warmup: int) -> LinearLR:
    """Our warm-up in torch's terms: step 0 already at 1/warmup, full rate at step warmup - 1."""
    return LinearLR(opt, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1)


@pytest.mark.parametrize("total,warmup", [(100, 10), (1000, 37), (7, 3), (9380, 469)])
def test_constant_equals_torch_linear_warmup(total: int, warmup: int) -> None:
    torch_rates, _ = _rates(lambda opt: _torch_warmup(opt, warmup), total)
    assert _ours("constant", total, warmup) == pytest.approx(torch_rates, **ROUNDING)


@pytest.mark.parametrize("total,warmup", [(100, 0), (100, 10), (1000, 37), (7, 3), (9380, 469)])
def test_cosine_equals_torch_warmup_then_cosine_annealing(total: int, warmup: int) -> None:
    def make(opt: Optimizer) -> LRScheduler:
        cosine = CosineAnnealingLR(opt, T_max=total - warmup, eta_min=0.0)
        return SequentialLR(opt, [_torch_warmup(opt, warmup), cosine], [warmup]) if warmup else cosine

    torch_rates, _ = _rates(make, total)
    assert _ours("cosine", total, warmup) == pytest.approx(torch_rates, **ROUNDING)


@pytest.mark.parametrize("total,warmup", [(100, 30), (1000, 37), (7, 2), (9380, 2814)])
def test_onecycle_against_torch_onecycle(total: int, warmup: int) -> None:
    """OneCycleLR configured as closely as it goes (linear anneal, down to 0, momentum left alone) runs one step
    ahead of ours: it starts at exactly 1/25 and reaches the peak at the same step (warmup - 1) in one interval
    fewer, then anneals over the same steps, so ours holds the peak for a second step and ends one step above 0."""

    def make(opt: Optimizer) -> LRScheduler:
        return OneCycleLR(
            opt,
            max_lr=BASE_LR,
            total_steps=total,
            pct_start=warmup / total,
            div_factor=25,
            final_div_factor=float("inf"),
            anneal_strategy="linear",
            cycle_momentum=False,
        )

    torch_rates, _ = _rates(make, total)
    ours = _ours("onecycle", total, warmup)
    assert torch_rates[0] == pytest.approx(BASE_LR / 25) and ours[0] == pytest.approx(BASE_LR * (1 + 24 / warmup) / 25)
    # The warm-ups meet only at the peak.
    assert ours[warmup - 1] == pytest.approx(BASE_LR) == torch_rates[warmup - 1]
    # The decay: ours is torch's, one step later.
    assert ours[warmup:] == pytest.approx(torch_rates[warmup - 1 : -1], **ROUNDING)
    assert torch_rates[-1] == 0.0 and ours[-1] == pytest.approx(BASE_LR / (total - warmup))


def test_torch_onecycle_defaults_differ_further() -> None:
    """With its defaults OneCycleLR anneals along a cosine to initial / 1e4, cycles SGD's momentum between 0.85 and
    0.95, and cannot warm up over one step; ours anneals linearly to 0 and leaves the momentum alone."""
    total, warmup = 100, 30
    torch_rates, momenta = _rates(
        lambda opt: OneCycleLR(opt, BASE_LR, total_steps=total, pct_start=warmup / total), total
    )
    assert torch_rates[-1] == pytest.approx(BASE_LR / 25 / 1e4)
    assert min(momenta) == pytest.approx(0.85) and max(momenta) == pytest.approx(0.95)
    quarter = warmup - 1 + (total - warmup) // 4  # a quarter into the anneal: cosine 0.85 of the peak, linear 0.75
    assert torch_rates[quarter] / BASE_LR == pytest.approx(0.854, abs=0.01)
    assert _ours("onecycle", total, warmup)[quarter + 1] / BASE_LR == pytest.approx(0.75, abs=0.01)
    with pytest.raises(ZeroDivisionError):
        _rates(lambda opt: OneCycleLR(opt, BASE_LR, total_steps=total, pct_start=1 / total), total)
