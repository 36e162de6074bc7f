"""The training progress panel while the data is prepared: decoding counts, and a stop before training."""

from __future__ import annotations

from resnet_gui.gui.tabs.training.progress_panel import ProgressPanel
from resnet_gui.training.events import DataProgress, RunStarted

STARTED = RunStarted(
    epochs=2,
    batches_per_epoch=10,
    train_size=4000,
    test_size=1000,
    device="cpu",
    precision="fp32",
    class_names=("a", "b"),
    params=1234,
)


def test_decoding_progress_shows_counts_then_gives_way_to_training(qtbot) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.show_preparing()
    panel.show_event(DataProgress("decoding images", 1234, 5000))
    assert panel.epoch_bar.format() == "decoding images 1,234/5,000"
    assert round(panel.epoch_percent()) == 25
    assert "decoding images 1,234 of 5,000" in panel.status_label.text()
    panel.show_event(object())  # events the panel does not know change nothing
    assert panel.epoch_bar.format() == "decoding images 1,234/5,000"
    panel.show_started(STARTED)
    assert panel.epoch_bar.format() == "epoch 1/2" and panel.epoch_percent() == 0
    panel.show_stopping()
    assert panel.status_label.text() == "Stopping after this batch…"


def test_a_stop_while_decoding_says_training_never_began(qtbot) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.show_preparing()
    panel.show_event(DataProgress("decoding images", 65, 200))
    panel.show_stopping()
    assert "cancelling the data preparation" in panel.status_label.text()
    panel.show_finished("stopped")
    assert panel.status_label.text() == "Stopped before training began (while preparing the data)"
    assert panel.epoch_bar.format() == "decoding images 65/200 · stopped"
