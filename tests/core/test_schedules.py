"""Learning-rate schedules with warm-up."""

import pytest

from resnet_gui.training.schedules import lr_factor


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
