"""What a run will cost, before it starts: parameters, memory, and a duration timed here and cached."""

import threading
from dataclasses import replace

import pytest

from resnet_gui.errors import Cancelled
from resnet_gui.model.resnet import build_model, count_params
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training import estimate, timings
from resnet_gui.training.estimate import (
    DataSizes,
    cached_estimate,
    cost_preview,
    data_sizes,
    estimate_run,
    record_estimate,
    speed_key,
)
from resnet_gui.units import against_estimate, say_duration

TINY = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 4},
    train={"epochs": 2, "batch_size": 500, "precision": "fp32"},
)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no timings, in memory or on disk, and times only the probe."""
    monkeypatch.setenv("RESNET_GUI_ESTIMATES", str(tmp_path / "estimates.json"))
    monkeypatch.setattr(estimate, "MIN_TIMED_S", 0.0)
    timings.forget_cached()
    yield
    timings.forget_cached()


def test_the_estimate_is_made_of_positive_measured_parts() -> None:
    e = estimate_run(TINY)
    t = e.times
    assert not e.cached and e.epochs == 2
    assert t.train_step_s > 0 and t.test_step_s > 0 and t.setup_s > 0
    assert t.epoch_s >= 0 and t.first_epoch_s >= 0
    assert (t.train_batch, t.test_batch) == (500, 500)
    assert t.device == "cpu" and t.precision == "fp32" and t.machine
    assert t.params == count_params(build_model(replace(TINY.model, in_channels=1, num_classes=10)))
    assert (e.train_batches, e.test_batches) == (12, 2)  # the sample: 6,000 / 1,000 images
    epoch = 12 * t.train_step_s + 2 * t.test_step_s + t.epoch_s
    assert e.seconds == pytest.approx(t.setup_s + t.first_epoch_s + 2 * epoch)
    said, _, warning = e.line().partition(", ")  # the warning depends on what else this machine runs
    assert said.startswith("about ") and said.endswith("on cpu (fp32)")
    busy = t.others_percent >= estimate.BUSY_PERCENT
    assert warning == (f"timed while other programs kept the CPU {t.others_percent:.0f} % busy" if busy else "")


def test_the_estimate_scales_with_epochs_and_batches_without_timing_again(monkeypatch) -> None:
    base = estimate_run(TINY)
    monkeypatch.setattr(estimate, "_time_epochs", lambda *a: pytest.fail("timed again"))
    t = base.times
    per_epoch = 12 * t.train_step_s + 2 * t.test_step_s + t.epoch_s
    twelve = estimate_run(with_changes(TINY, train={"epochs": 12, "lr": 0.1, "schedule": "cosine"}))
    assert twelve.cached and twelve.seconds - base.seconds == pytest.approx(10 * per_epoch)
    sizes = data_sizes(TINY.data)
    more = cached_estimate(TINY, replace(sizes, train=3 * sizes.train))
    assert more is not None and more.train_batches == 36
    assert more.seconds - base.seconds == pytest.approx(2 * 24 * t.train_step_s)


def test_test_time_shifts_add_four_scorings_of_the_last_epoch_without_timing_again(monkeypatch) -> None:
    base = estimate_run(TINY)
    monkeypatch.setattr(estimate, "_time_epochs", lambda *a: pytest.fail("timed again"))
    shifted = estimate_run(with_changes(TINY, train={"test_shifts": True}))
    t = base.times
    assert shifted.cached and shifted.seconds - base.seconds == pytest.approx(4 * 2 * t.test_step_s)


def test_scoring_every_few_epochs_leaves_the_skipped_scorings_out_without_timing_again(monkeypatch) -> None:
    base = estimate_run(with_changes(TINY, train={"epochs": 6}))
    monkeypatch.setattr(estimate, "_time_epochs", lambda *a: pytest.fail("timed again"))
    every3 = estimate_run(with_changes(TINY, train={"epochs": 6, "test_every": 3}))  # scored after epochs 3 and 6
    t = base.times
    assert every3.cached and base.seconds - every3.seconds == pytest.approx(4 * 2 * t.test_step_s)
    assert every3.test_batches == pytest.approx(2 * 2 / 6)  # per epoch, on average


def test_a_second_estimate_comes_from_the_cache_in_memory_and_on_disk(monkeypatch, tmp_path) -> None:
    first = estimate_run(TINY)
    assert (tmp_path / "estimates.json").is_file()
    monkeypatch.setattr(estimate, "_time_epochs", lambda *a: pytest.fail("timed again"))
    again = estimate_run(TINY)
    assert again.cached and again.seconds == first.seconds
    timings.forget_cached()  # as a new process: only the file is left
    from_disk = cached_estimate(TINY)
    assert from_disk is not None and from_disk.seconds == pytest.approx(first.seconds)


def test_fresh_times_again_and_nothing_is_cached_for_other_speed_settings(monkeypatch) -> None:
    estimate_run(TINY)
    assert cached_estimate(with_changes(TINY, train={"batch_size": 250})) is None
    assert cached_estimate(with_changes(TINY, model={"channels": 8})) is None
    assert cached_estimate(with_changes(TINY, train={"precision": "bf16"})) is None
    calls = []
    real = estimate._time_epochs
    monkeypatch.setattr(estimate, "_time_epochs", lambda *a: calls.append(1) or real(*a))
    assert not estimate_run(TINY, fresh=True).cached and calls


def test_the_cache_key_ignores_what_does_not_change_the_speed() -> None:
    key = speed_key(TINY)[0]
    same = with_changes(TINY, train={"lr": 0.5, "epochs": 40, "seed": 3, "label_smoothing": 0.1, "schedule": "cosine"})
    assert speed_key(same)[0] == key
    assert speed_key(with_changes(TINY, train={"augment": "crop+flip"}))[0] != key
    described = speed_key(TINY)[1]
    assert described["machine"] and described["threads"] and described["device"] == "cpu"


def test_a_short_probe_is_timed_again_over_more_batches(monkeypatch) -> None:
    monkeypatch.setattr(estimate, "MIN_TIMED_S", 5.0)
    probe = replace(estimate_run(TINY).times, train_step_s=0.01, test_step_s=0.01)
    sizes = DataSizes(6000, 1000, 1, 28, 10)
    assert estimate._batches_to_time(probe, sizes) == (12, 2)  # at most an epoch's: 12 and 2 batches of 500
    big = DataSizes(600000, 100000, 1, 28, 10)
    assert estimate._batches_to_time(probe, big) == (500, 125)
    slow = replace(probe, train_step_s=10.0, test_step_s=10.0)
    assert estimate._batches_to_time(slow, big) == (3, 2)  # the probe's


def test_a_stopped_estimate_is_cancelled_and_caches_nothing() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        estimate_run(TINY, stop)
    assert cached_estimate(TINY) is None


def test_the_estimate_is_stored_with_a_run_when_one_was_made(tmp_path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    before = store.create_run(TINY)
    assert record_estimate(store, before, TINY) is None
    assert store.get(before).estimated_s is None
    made = estimate_run(TINY)
    run_id = store.create_run(TINY)
    assert record_estimate(store, run_id, TINY) == pytest.approx(made.seconds)
    assert store.get(run_id).estimated_s == pytest.approx(made.seconds)


def test_a_folder_that_is_not_there_records_no_estimate(tmp_path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    cfg = with_changes(TINY, data={"dataset": "folder", "folder": str(tmp_path / "nope")})
    run_id = store.create_run(cfg)
    assert record_estimate(store, run_id, cfg) is None


def test_the_preview_counts_the_parameters_and_the_memory_as_training_checks_them() -> None:
    preview = cost_preview(TINY)
    assert preview.params == count_params(build_model(replace(TINY.model, in_channels=1, num_classes=10)))
    assert preview.peak_bytes > 0 and not preview.problem
    assert preview.line() == f"{preview.params:,} parameters · needs ~{estimate.format_bytes(preview.peak_bytes)}"
    huge = with_changes(
        TINY, model={"blocks": (3, 8, 36, 3), "block": "bottleneck", "channels": 256}, data={"resize": 512}
    )
    refused = cost_preview(with_changes(huge, train={"batch_size": 4096}))
    assert "Out of memory" in refused.problem and "more memory than is free" in refused.line()


def test_sizes_are_known_without_loading_the_data() -> None:
    assert data_sizes(TINY.data) == DataSizes(6000, 1000, 1, 28, 10)
    assert data_sizes(replace(TINY.data, dataset="cifar10")) == DataSizes(50000, 10000, 3, 32, 10)


def test_durations_in_words() -> None:
    assert [say_duration(s) for s in (0.2, 59.4, 60, 70, 3599, 3600, 7530)] == [
        "1 s",
        "59 s",
        "1 min",
        "1 min 10 s",
        "59 min 59 s",
        "1 h",
        "2 h 6 min",
    ]
    assert against_estimate(250, 235) == "4 min 10 s (estimated 3 min 55 s, +6 %)"
    assert against_estimate(250, None) == "4 min 10 s"


def test_progressive_resizing_scales_the_steps_by_the_epochs_pixels_without_timing_again(monkeypatch) -> None:
    base = estimate_run(with_changes(TINY, train={"epochs": 4}))
    monkeypatch.setattr(estimate, "_time_epochs", lambda *a: pytest.fail("timed again"))
    grown = estimate_run(with_changes(TINY, train={"epochs": 4, "start_size": 14, "full_size_epoch": 3}))
    t = base.times
    share = ((14 / 28) ** 2 + (18 / 28) ** 2 + 1 + 1) / 4  # epochs at 14, 18, 28 and 28 px
    assert grown.cached and grown.pixel_share == pytest.approx(share)
    steps = 12 * t.train_step_s + 2 * t.test_step_s
    assert base.seconds - grown.seconds == pytest.approx(4 * steps * (1 - share))
    assert "0.67 of the pixels (progressive resizing)" in grown.details()
