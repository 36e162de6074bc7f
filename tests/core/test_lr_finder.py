"""The learning-rate range test: its suggestion on the sample, the weights put back, the rules' picks."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import torch

from resnet_gui.errors import Cancelled, ConfigError
from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.lr_curve import MAX_STEPS, MIN_STEPS, LrFindStep, auto_steps
from resnet_gui.training.lr_finder import find_lr
from resnet_gui.training.lr_rules import STEEPEST, VALLEY, smooth, steepest, suggest, valley

TINY = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1, 1), "channels": 8},
    train={"seed": 0, "batch_size": 128},
)


def test_the_suggestion_on_the_sample_is_a_usable_rate() -> None:
    seen: list[LrFindStep] = []
    result = find_lr(TINY, steps=30, progress=seen.append)
    assert result.rule == VALLEY
    assert result.suggested_lr is not None
    assert 1e-4 <= result.suggested_lr <= 1e-1
    assert set(result.suggestions) == {VALLEY, STEEPEST}
    assert [s.step for s in seen] == list(range(1, len(result.lrs) + 1))
    assert result.lrs[0] == pytest.approx(1e-7)
    assert all(b > a for a, b in zip(result.lrs, result.lrs[1:], strict=False))
    if not result.diverged:
        assert len(result.lrs) == 30 and result.lrs[-1] == pytest.approx(10.0)


def test_with_muon_the_filters_rate_rises_in_proportion(monkeypatch: pytest.MonkeyPatch) -> None:
    from resnet_gui.training.muon import ConvMuon

    rates: list[list[float]] = []
    step = ConvMuon.step

    def recording_step(self: ConvMuon, closure: object = None) -> object:
        rates.append([g["lr"] for g in self.param_groups])
        return step(self)

    monkeypatch.setattr(ConvMuon, "step", recording_step)
    cfg = with_changes(TINY, train={"optimizer": "muon", "lr": 0.1, "muon_lr": 0.02})
    result = find_lr(cfg, steps=12, start_lr=1e-4, end_lr=1.0)
    assert len(rates) == len(result.lrs) >= 2
    for (*sgd, filters), lr in zip(rates, result.lrs, strict=True):
        assert sgd == pytest.approx([lr] * len(sgd)) and filters == pytest.approx(lr * 0.2)


def test_the_weights_are_put_back_even_when_stopped_part_way() -> None:
    cfg = with_changes(TINY, train={"batch_size": 64})
    net = build_model(with_changes(cfg, model={"in_channels": 1, "num_classes": 10}).model)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    stop_at = 8

    def stop_after(step: LrFindStep) -> None:
        if step.step == stop_at:
            stop.set()

    stop = threading.Event()
    # A large start rate so the batches trained certainly move the weights while they run.
    result = find_lr(cfg, steps=20, start_lr=1e-2, end_lr=1.0, progress=stop_after, stop=stop, model=net)
    assert result.stopped and not result.diverged
    assert len(result.lrs) == stop_at
    after = net.state_dict()
    assert before.keys() == after.keys()
    for key, value in before.items():
        assert torch.equal(value, after[key]), key


def test_stopped_before_the_first_batch_is_cancelled() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        find_lr(TINY, steps=10, stop=stop)


def test_a_range_that_makes_no_curve_is_refused_naming_the_value() -> None:
    with pytest.raises(ConfigError, match="end rate"):
        find_lr(TINY, start_lr=1.0, end_lr=0.1)
    with pytest.raises(ConfigError, match="3 steps are too few"):
        find_lr(TINY, steps=3)


def test_left_to_itself_the_test_runs_as_many_batches_as_fit_its_time() -> None:
    assert auto_steps(0.1, budget_s=45) == MAX_STEPS
    assert auto_steps(1.5, budget_s=45) == 30
    assert auto_steps(60.0, budget_s=45) == MIN_STEPS


LRS = np.logspace(-7, 1, 100)


def _valley_curve() -> np.ndarray:
    """Flat until 1e-4, falling straight (in log lr) to its minimum at 1e-1, then rising fast."""
    x = np.log10(LRS)
    return np.where(x < -4, 2.3, np.where(x <= -1, 2.3 - 0.6 * (x + 4), 0.5 + 3.0 * (x + 1)))


def test_the_valley_rule_picks_halfway_down_the_longest_descent() -> None:
    picked = valley(LRS, _valley_curve())
    # Halfway from 1e-4 to 1e-1 in log lr, within one point of the grid.
    assert abs(math.log10(picked) - (-2.5)) <= 0.12


def test_the_steepest_rule_picks_where_the_loss_falls_fastest() -> None:
    x = np.log10(LRS)
    losses = 2.3 - np.tanh(2.0 * (x + 2))  # falls fastest at 1e-2
    picked = steepest(LRS, losses)
    assert abs(math.log10(picked) - (-2.0)) <= 0.12


def test_the_steepest_rule_ignores_a_fall_after_the_lowest_point() -> None:
    # The shape of a real test on the sample: down to a low near 0.1, a spike, then a steeper fall that stays
    # above the low (a rate past the low, where training breaks down).
    x = np.log10(LRS)
    losses = np.where(x < -1, 2.3 - 0.3 * np.tanh(2.0 * (x + 2)), 4.0 - 0.9 * (x + 1))  # falls 0.6/decade, then 0.9
    picked = steepest(LRS, losses)
    assert picked is not None and picked < 0.1
    assert steepest(LRS, np.linspace(1.0, 2.0, len(LRS))) is None  # lowest at the start: nothing falls


def test_suggest_trims_the_ends_and_reads_both_rules() -> None:
    suggestions = suggest(list(LRS), list(_valley_curve()))
    assert set(suggestions) == {VALLEY, STEEPEST}
    assert abs(math.log10(suggestions[VALLEY]) - (-2.5)) <= 0.12
    assert suggest([1e-3, 1e-2, 1e-1], [2.0, 1.0, 3.0]) == {}


def test_smoothing_is_debiased() -> None:
    assert smooth([2.0, 2.0, 2.0], beta=0.9) == pytest.approx([2.0, 2.0, 2.0])
