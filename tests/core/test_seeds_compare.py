"""Seeds and comparisons in the core: seed groups, curves aligned by epoch (mean, std, min, max),
best and last beside each other, and legends naming the settings that differ."""

from pathlib import Path

import pytest

from resnet_gui.runs.comparison import BestLast, best_last_text, entries
from resnet_gui.runs.seeds import GROUP_PREFIX, mean_std, seed_configs, seed_group, spread
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.events import EpochEnd, RunEnd

CFG = with_changes(RunConfig(), data={"dataset": "sample", "resize": 0}, model={"blocks": (1, 1), "channels": 8})


def test_the_spread_of_curves_matches_a_hand_computation() -> None:
    # Run a reached epoch 3, run b only epoch 2: the group is summed up where both are.
    a = [(1, 0.5), (2, 0.7), (3, 0.8)]
    b = [(1, 0.7), (2, 0.9)]
    c = [(2, 0.8), (1, 0.9)]  # out of order: aligned by epoch, not by position
    s = spread([a, b, c])
    assert s.epochs == (1, 2) and s.runs == 3
    # epoch 1: 0.5, 0.7, 0.9 -> mean 0.7; sample variance (0.04 + 0 + 0.04) / 2 = 0.04 -> std 0.2
    # epoch 2: 0.7, 0.9, 0.8 -> mean 0.8; sample variance (0.01 + 0.01 + 0) / 2 = 0.01 -> std 0.1
    assert s.mean == pytest.approx((0.7, 0.8))
    assert s.std == pytest.approx((0.2, 0.1))
    assert (s.low, s.high) == ((0.5, 0.7), (0.9, 0.9))
    assert s.band("std") == (pytest.approx((0.5, 0.7)), pytest.approx((0.9, 0.9)))
    assert s.band("minmax") == ((0.5, 0.7), (0.9, 0.9))
    one = spread([a])
    assert one.mean == (0.5, 0.7, 0.8) and one.std == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="minmax"):
        s.band("iqr")


def test_mean_std_is_the_sample_deviation() -> None:
    mean, std = mean_std([0.90, 0.92, 0.94])
    assert mean == pytest.approx(0.92) and std == pytest.approx(0.02)
    assert mean_std([0.5]) == (0.5, 0.0)


def test_seed_configs_differ_only_in_the_seed() -> None:
    cfg = with_changes(CFG, train={"seed": 7, "lr": 0.05})
    configs = seed_configs(cfg, 3)
    assert [c.train.seed for c in configs] == [7, 8, 9]
    assert all(with_changes(c, train={"seed": 7}) == cfg for c in configs)
    assert [c.train.seed for c in seed_configs(with_changes(CFG, train={"seed": None}), 2)] == [0, 1]
    with pytest.raises(ValueError, match="1 to 20"):
        seed_configs(cfg, 0)
    assert seed_group(["lr", f"{GROUP_PREFIX}ab12"]) == "seeds:ab12" and seed_group(["lr"]) == ""


def test_best_and_last_are_shown_side_by_side() -> None:
    epochs = [EpochEnd(e, 1.0, 0.5, acc, 1.0, 100.0, 0.1) for e, acc in ((1, 0.80), (2, 0.912), (3, 0.912), (4, 0.905))]
    score = BestLast.of(epochs)
    assert score == BestLast(0.912, 2, 0.905)  # the first epoch to reach the best
    assert best_last_text([score]) == "best 0.912 @ 2 · last 0.905"
    two = [BestLast(0.90, 3, 0.89), BestLast(0.92, 4, 0.91)]
    assert best_last_text(two) == "best 0.910 ± 0.014 · last 0.900 ± 0.014"
    assert BestLast.of([]) is None


def _record(store: RunStore, cfg: RunConfig, accs: list[float], name: str | None = None, tags: tuple = ()) -> int:
    run_id = store.create_run(cfg, name)
    recorder = store.recorder(run_id)
    for epoch, acc in enumerate(accs, start=1):
        recorder(EpochEnd(epoch, 1.0 - acc, acc, acc, 1.0, 100.0, cfg.train.lr))
    recorder(RunEnd("finished", len(accs)))
    store.set_tags(run_id, tags)
    return run_id


def test_a_comparison_names_differing_settings_and_groups_seeds(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    base = with_changes(CFG, train={"lr": 0.01, "batch_size": 128})
    one = _record(store, base, [0.80, 0.85])
    other = _record(store, with_changes(base, train={"lr": 0.05, "batch_size": 64}), [0.70, 0.90], name="baseline")
    group = [
        _record(store, with_changes(base, train={"lr": 0.1, "seed": s}), accs, name=f"x · seed {s}", tags=("seeds:g1",))
        for s, accs in ((0, [0.6, 0.8]), (1, [0.7, 0.9]))
    ]
    runs = [store.get(i) for i in (one, other, *group)]
    assert (runs[0].best_epoch, runs[0].last_test_acc) == (2, pytest.approx(0.85))
    assert (runs[1].best_epoch, runs[1].best_test_acc) == (2, pytest.approx(0.90))
    shown = entries(runs, {r.id: store.epochs(r.id) for r in runs})
    assert [e.label for e in shown] == [
        f"run {one} · learning rate 0.01, batch size 128",
        "baseline · learning rate 0.05, batch size 64",
        "seeds:g1 (2 runs) · learning rate 0.1, batch size 128",
    ]
    assert [len(e.runs) for e in shown] == [1, 1, 2] and shown[2].color_run.id == group[0]
    curve = shown[2].curve("test_acc")
    assert curve.mean == pytest.approx((0.65, 0.85)) and curve.low == pytest.approx((0.6, 0.8))
    assert shown[0].summary() == "best 0.850 @ 2 · last 0.850"
    assert shown[2].summary() == "best 0.850 ± 0.071 · last 0.850 ± 0.071"
    # Without grouping, each run of the group is its own entry, named by the seed that differs.
    apart = entries(runs[2:], {r.id: store.epochs(r.id) for r in runs}, group_seeds=False)
    assert [e.label for e in apart] == [f"run {group[0]} · seed 0", f"run {group[1]} · seed 1"]
