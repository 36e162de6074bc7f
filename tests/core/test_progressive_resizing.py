"""Progressive resizing: which size each epoch trains and is scored at, what is refused, and a run that grows."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from recorded_runs import ask_at, train

from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.image_sizes import describe_sides, epoch_side, epoch_sides, steps_done
from resnet_gui.settings.presets import PRESETS
from resnet_gui.settings.validation import validate
from resnet_gui.training import engine
from resnet_gui.training.checkpoint import load_checkpoint
from resnet_gui.training.events import BatchEnd, Event

# accurate-cpu's network and data (28 px), 27 epochs at the full size.
ACCURATE = with_changes(PRESETS["accurate-cpu"], train={"epochs": 27, "start_size": 0, "full_size_epoch": 1})


def grown(start: int, until: int, cfg: RunConfig = ACCURATE) -> RunConfig:
    return with_changes(cfg, train={"start_size": start, "full_size_epoch": until})


def sample_run(epochs: int, full_size_epoch: int) -> RunConfig:
    """A small network on the bundled sample (6 batches an epoch), growing from 16 px."""
    train = {"epochs": epochs, "batch_size": 1000, "precision": "fp32", "lr": 1e-2, "start_size": 16}
    return with_changes(
        RunConfig(),
        data={"dataset": "sample", "resize": 0},
        model={"blocks": (1,), "channels": 8},
        train={**train, "full_size_epoch": full_size_epoch},
    )


@pytest.fixture
def seen(monkeypatch) -> list[tuple[bool, int]]:
    """(training, side) of every batch the networks built from now on get."""
    sides: list[tuple[bool, int]] = []
    build = engine.build_model

    def recording(model_cfg):
        net = build(model_cfg)
        net.register_forward_pre_hook(lambda module, args: sides.append((module.training, args[0].shape[-1])))
        return net

    monkeypatch.setattr(engine, "build_model", recording)
    return sides


def test_the_size_grows_in_4_px_steps_from_the_start_size_to_the_full_size() -> None:
    assert epoch_sides(grown(16, 16)) == [16] * 5 + [20] * 5 + [24] * 5 + [28] * 12
    assert describe_sides(grown(16, 16)) == "epochs 1-5 at 16 px, 6-10 at 20 px, 11-15 at 24 px, 16-27 at 28 px"
    # The seed's 96 px: 48 at epoch 1, 96 from epoch 4 of 5.
    seed = with_changes(PRESETS["seed"], train={"start_size": 48, "full_size_epoch": 4})
    assert epoch_sides(seed) == [48, 64, 80, 96, 96]
    assert describe_sides(seed) == "epochs 1 at 48 px, 2 at 64 px, 3 at 80 px, 4-5 at 96 px"


def test_without_a_start_size_every_epoch_is_full_size() -> None:
    assert epoch_sides(ACCURATE) == [28] * 27
    assert describe_sides(ACCURATE) == ""
    assert epoch_side(grown(16, 16).train, 28, 16) == 28
    assert epoch_side(grown(40, 16).train, 28, 1) == 28  # never larger than the images


def test_steps_count_by_their_pixels() -> None:
    assert steps_done(ACCURATE.train, 28, 3, 4, 10) == 24  # without progressive resizing: steps
    train = grown(16, 16).train  # epochs 1-5 at 16 px, 6-10 at 20 px
    assert steps_done(train, 28, 2, 0, 10) == pytest.approx(10 * (16 / 28) ** 2)
    assert steps_done(train, 28, 6, 5, 10) == pytest.approx(50 * (16 / 28) ** 2 + 5 * (20 / 28) ** 2)


@pytest.mark.parametrize(
    ("start", "until", "field", "words"),
    [
        (28, 16, "train.start_size", "must be smaller than the images' 28 px, or 0 for none"),
        (4, 16, "train.start_size", "must be 0 (none) or between 8 and 512, got 4"),
        (16, 28, "train.full_size_epoch", "must be at most the number of epochs (27)"),
        (16, 1, "train.full_size_epoch", "set the first epoch at the full size (2 or more)"),
    ],
)
def test_sizes_that_cannot_grow_are_refused_naming_the_field(start: int, until: int, field: str, words: str) -> None:
    problems = validate(grown(start, until))
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


def test_the_start_size_is_checked_against_the_resized_images() -> None:
    assert validate(grown(48, 3, PRESETS["seed"])) == []  # the seed resizes to 96
    assert [p.field for p in validate(grown(96, 3, PRESETS["seed"]))] == ["train.start_size"]


def test_a_run_trains_and_scores_each_epoch_at_its_size_and_a_stopped_one_resumes_at_it(
    tmp_path: Path, seen: list[tuple[bool, int]]
) -> None:
    cfg = sample_run(3, 3)
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(cfg)
    result, events = train(store, run_id, cfg)
    assert result.status == "finished"
    # The remaining time counts the full-size epochs by their pixels, not at the small epochs' pace.
    end_of_1 = next(e for e in events if isinstance(e, BatchEnd) and (e.epoch, e.batch) == (1, 6))
    small, middle = (16 / 28) ** 2, (20 / 28) ** 2
    assert end_of_1.eta_s / end_of_1.elapsed_s == pytest.approx((middle + 1) / small)
    train_sides = [side for training, side in seen if training]
    test_sides = [side for training, side in seen if not training]
    assert train_sides == [16] * 6 + [20] * 6 + [28] * 6  # 6 batches an epoch on the sample
    assert test_sides == [16, 20, 28]  # each epoch's scoring, one batch of 1,000
    assert all(e.test_acc is not None for e in result.history)

    # Stopped in epoch 2 after 3 batches, the resumed run cuts its other 3 batches at epoch 2's size.
    seen.clear()
    stop = threading.Event()

    def stop_in_epoch_2(event: Event) -> None:
        if isinstance(event, BatchEnd) and (event.epoch, event.batch) == (2, 3):
            stop.set()

    second = store.create_run(cfg)
    stopped, _ = train(store, second, cfg, stop_in_epoch_2, stop=stop)
    assert stopped.status == "stopped"
    seen.clear()
    resumed, _ = train(store, second, cfg, resume=load_checkpoint(Path(store.get(second).checkpoint_dir) / "last.pt"))
    assert resumed.status == "finished"
    assert [side for training, side in seen if training] == [20] * 3 + [28] * 6
    assert [e.test_acc for e in resumed.history] == pytest.approx([e.test_acc for e in result.history], abs=1e-6)


def test_a_run_cut_short_while_it_trains_still_ends_at_the_full_size(
    tmp_path: Path, seen: list[tuple[bool, int]]
) -> None:
    cfg = sample_run(6, 5)
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(cfg)
    # Planned: 16, 16, 20, 24, then 28 px; cut to 3 epochs during epoch 1, it grows to 28 by epoch 3.
    result, events = train(store, run_id, cfg, ask_at(store, run_id, (1, 2), "epochs", 3))
    assert result.status == "finished" and len(result.history) == 3
    assert [side for training, side in seen if not training] == [16, 20, 28]
    # The remaining time follows the steered plan: after epochs at 16 and 20 px, one epoch at 28 px is left.
    end_of_2 = next(e for e in events if isinstance(e, BatchEnd) and (e.epoch, e.batch) == (2, 6))
    assert end_of_2.eta_s / end_of_2.elapsed_s == pytest.approx(1 / ((16 / 28) ** 2 + (20 / 28) ** 2))
