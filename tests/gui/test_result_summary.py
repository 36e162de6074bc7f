"""The line above the Training tab's plots: the run's result, and the early batch-norm note."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from resnet_gui.gui.jobs import Jobs
from resnet_gui.gui.session.run_session import RunSession
from resnet_gui.gui.tabs.training.result_summary import (
    IDLE_HINT,
    ResultSummary,
    batch_norm_note,
    result_text,
)
from resnet_gui.training.events import EpochEnd, RunStarted


def epoch(n: int, train: float, test: float, seconds: float = 30.0) -> EpochEnd:
    return EpochEnd(n, 1.0 / n, train, test, seconds, 100.0, 0.1, test_loss=0.5 / n)


def test_a_young_run_with_test_far_below_train_gets_the_batch_norm_explanation() -> None:
    note = batch_norm_note(epoch(1, 0.69, 0.115), 24)
    assert "0.115" in note and "0.690" in note and "batch-norm" in note and "24 training steps" in note
    assert batch_norm_note(epoch(1, 0.69, 0.60), 24) == ""  # no real gap
    assert batch_norm_note(epoch(5, 0.99, 0.70), 120) == ""  # later on a gap is overfitting, not this


def test_the_result_names_best_and_last_accuracy_loss_epochs_and_time() -> None:
    epochs = [epoch(1, 0.8, 0.85), epoch(2, 0.9, 0.91), epoch(3, 0.92, 0.905)]
    text = result_text(7, "stopped", epochs, 5)
    assert text == (
        "Run 7 stopped: best test accuracy 0.910 (epoch 2), last 0.905 · test loss 0.167 · 3 of 5 epochs in 1:30"
    )
    assert result_text(None, "failed", [], 5) == "The run failed before its first epoch ended."


def test_the_line_shows_the_note_then_the_result_and_clears_for_the_next_run(qtbot, tmp_path) -> None:
    jobs = Jobs()
    session = RunSession(jobs, tmp_path / "runs.sqlite")
    page = QWidget()
    line = ResultSummary(page)
    line.bind(session)
    qtbot.addWidget(page)
    page.show()
    height = line.height()
    assert line.message() == "" and line.text() == IDLE_HINT and not line.isEnabled()
    session.run_started.emit(RunStarted(2, 24, 6000, 1000, "cpu", "fp32", ("a", "b"), 10))
    session.run_recorded.emit(3)
    session.epoch_end.emit(epoch(1, 0.69, 0.115))
    assert line.message().startswith("Epoch 1: test accuracy 0.115 trails train 0.690") and line.isEnabled()
    assert "batch-norm" in line.toolTip() and "24 training steps" in line.toolTip()
    session.epoch_end.emit(epoch(2, 0.8, 0.78))
    assert line.message() == ""
    session.run_ended.emit("finished", "", False)
    assert line.message().startswith("Run 3 finished: best test accuracy 0.780 (epoch 2)")
    qtbot.wait(10)
    assert line.height() == height, "the plots below must not move when the line's news changes"
    session.cleared.emit()
    assert line.message() == "" and line.text() == IDLE_HINT
    session.shutdown()
    jobs.shutdown()
