"""The progress bars and status line read as a user expects."""

from __future__ import annotations

import pytest

from resnet_gui.gui.tabs.training.progress_panel import ProgressPanel, format_duration
from resnet_gui.training.events import BatchEnd, DownloadProgress, EpochEnd, RunStarted

STARTED = RunStarted(
    epochs=4,
    batches_per_epoch=10,
    train_size=6000,
    test_size=1000,
    device="cpu",
    precision="bf16",
    class_names=("a", "b"),
    params=20426,
)


def test_bars_show_throughput_eta_and_the_device(qtbot) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.show_started(STARTED)
    assert "cpu · bf16" in panel.status_label.text()
    panel.show_batch(BatchEnd(epoch=2, batch=5, batches=10, loss=0.5, images_per_s=1234.0, elapsed_s=3.0, eta_s=75.0))
    assert panel.epoch_percent() == 50
    assert panel.run_percent() == 37.5
    assert "1,234 img/s" in panel.run_bar.format() and "ETA 1:15" in panel.run_bar.format()
    assert "epoch 2/4" in panel.epoch_bar.format()
    panel.show_epoch(
        EpochEnd(epoch=2, loss=0.4, train_acc=0.8, test_acc=0.7, seconds=2.0, images_per_s=1500.0, lr=1e-3)
    )
    assert panel.run_percent() == 50 and panel.epoch_percent() == 100
    panel.show_finished("stopped")
    assert panel.status_label.text().startswith("Stopped") and "cpu · bf16" in panel.status_label.text()
    assert panel.run_percent() == 50


def test_download_progress_and_durations(qtbot) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.show_download(DownloadProgress("train-images-idx3-ubyte.gz", 13_000_000, 26_000_000))
    assert panel.epoch_percent() == 50
    assert "downloading train-images-idx3-ubyte.gz: 50%" in panel.epoch_bar.format()
    panel.show_download(DownloadProgress("t10k-labels-idx1-ubyte.gz", 2_500_000, 0))
    assert "2.5 MB" in panel.epoch_bar.format()
    assert format_duration(59.6) == "1:00" and format_duration(3725) == "1:02:05"
    assert format_duration(-3) == "0:00"


def test_a_batch_larger_than_the_training_set_is_explained_at_the_start(qtbot) -> None:
    from resnet_gui.training.events import RunStarted

    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.show_started(RunStarted(5, 1, 120, 30, "cpu", "fp32", ("a", "b", "c"), 1000, 1, 256))
    assert "larger than the 120 training images" in panel.status_label.text()
    panel.show_started(RunStarted(5, 4, 1200, 30, "cpu", "fp32", ("a", "b", "c"), 1000, 1, 256))
    assert "larger than" not in panel.status_label.text()


def test_a_followed_run_s_status_line_and_bars_say_the_same_place(qtbot, tmp_path) -> None:
    from resnet_gui.gui.jobs import Jobs
    from resnet_gui.gui.session.run_session import RunSession
    from resnet_gui.runs.store import RunStore
    from resnet_gui.settings.config import RunConfig, with_changes

    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(with_changes(RunConfig(), train={"epochs": 5}))  # this process: alive, running
    record = store.recorder(run_id)
    record(STARTED)
    record(EpochEnd(1, 0.5, 0.8, 0.7, 2.0, 1500.0, 1e-3))
    for b in range(1, 5):
        record(BatchEnd(2, b, 24, 0.4, 1000.0, 1.0, 1.0))
    jobs = Jobs()
    session = RunSession(jobs, store.path)
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.bind(session)
    statuses: list[str] = []
    session.status.connect(statuses.append)
    try:
        assert session.follow(run_id)
        qtbot.waitUntil(lambda: any("is running" in s for s in statuses), timeout=10_000)
        line = next(s for s in statuses if "is running" in s)
        assert line.endswith("epoch 2/5 · batch 4/24")
        assert panel.epoch_bar.format() == "epoch 2/5 · batch 4/24"
        assert panel.run_percent() == pytest.approx(100 * (1 + 4 / 24) / 5, abs=0.1)
        assert "img/s" not in panel.run_bar.format()  # no speed known yet from one poll
    finally:
        session.shutdown()
        jobs.shutdown()


def test_a_resumed_run_s_bar_counts_the_whole_run(qtbot) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.show_started(RunStarted(5, 24, 6000, 1000, "cpu", "bf16", (), 100, start_epoch=3))
    assert panel.run_percent() == pytest.approx(40)
    panel.show_batch(BatchEnd(3, 11, 24, 0.5, 1000.0, 1.0, 30.0))
    assert panel.epoch_bar.format() == "epoch 3/5 · batch 11/24"
    assert panel.run_percent() == pytest.approx(100 * (2 + 11 / 24) / 5, abs=0.1)  # not 15 %, this part's share
