"""Find a learning rate from the window: the test runs, draws its curve and marks the rules' picks; a click
on the curve chooses a rate that "Use this rate" puts in the form; no test while a run trains."""

from __future__ import annotations

import math

import pytest
from gui_helpers import RUN_TIMEOUT_MS, long_config, tiny_config
from PySide6.QtCore import Qt

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("propagateSizeHints", "support raise"),
]


def test_the_test_runs_shows_its_curve_and_a_click_takes_the_rate_into_the_form(qtbot, window) -> None:
    window.form.set_config(tiny_config(batch_size=128, seed=0))
    qtbot.mouseClick(window.form.find_lr_button, Qt.MouseButton.LeftButton)
    dialog = window.lr_finder
    assert dialog.isVisible() and dialog.run_button.isEnabled() and not dialog.use_button.isEnabled()
    dialog.steps_edit.setText("20")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.running and dialog.stop_button.isEnabled() and not dialog.run_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=RUN_TIMEOUT_MS)
    result = dialog.last_result
    assert result is not None and result.suggested_lr is not None
    xs, _ys = dialog.plot.smoothed.getData()
    assert len(xs) == len(result.lrs) > 10
    assert dialog.plot.plot.getPlotItem().getAxis("bottom").logMode  # rates on a log axis
    for rule, lr in result.suggestions.items():
        assert dialog.plot.labels[rule].isVisible() and dialog.plot.labels[rule].toPlainText() == rule
        assert dialog.plot.markers[rule].getData()[0][0] == pytest.approx(math.log10(lr))
    assert "Suggested: " in dialog.suggestion_label.text() and "valley" in dialog.suggestion_label.text()
    assert dialog.chosen == float(f"{result.suggested_lr:.2g}")

    qtbot.wait(50)  # the plot has laid out its view
    point = 4 if dialog.plot.nearest(result.suggested_lr) != 4 else 5
    qtbot.mouseClick(dialog.plot.plot.viewport(), Qt.MouseButton.LeftButton, pos=dialog.plot.view_point(point))
    clicked = float(f"{result.lrs[point]:.2g}")
    assert dialog.chosen == clicked and dialog.plot.chosen_line.isVisible()
    assert f"{clicked:g}" in dialog.chosen_label.text()
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert window.form.field("train.lr").text() == f"{clicked:g}"
    config = window.form.config()
    assert config is not None and config.train.lr == clicked


def test_no_test_while_a_run_trains_in_the_window(qtbot, window) -> None:
    window.form.set_config(long_config())
    window.lr_finder.show_beside()
    assert window.lr_finder.run_button.isEnabled()
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training, timeout=RUN_TIMEOUT_MS)
    assert not window.lr_finder.run_button.isEnabled() and not window.form.find_lr_button.isEnabled()
    assert "training" in window.lr_finder.run_button.toolTip()
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        window.request_stop()
    assert window.lr_finder.run_button.isEnabled()
    window.lr_finder.close()


def test_stop_keeps_the_curve_so_far(qtbot, window) -> None:
    window.form.set_config(tiny_config(batch_size=64, seed=0))
    dialog = window.lr_finder
    dialog.show_beside()
    dialog.steps_edit.setText("100")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialog.plot.lrs) >= 2, timeout=RUN_TIMEOUT_MS)
    qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=RUN_TIMEOUT_MS)
    result = dialog.last_result
    assert result is not None and result.stopped and 2 <= len(result.lrs) < 100
    assert len(dialog.plot.smoothed.getData()[0]) == len(result.lrs)
    assert "stopped" in dialog.status.text() and dialog.run_button.isEnabled()
    dialog.close()


def test_a_range_the_test_cannot_use_is_said_in_the_banner(qtbot, window) -> None:
    window.form.set_config(tiny_config())
    dialog = window.lr_finder
    dialog.show_beside()
    dialog.start_edit.setText("1")
    dialog.end_edit.setText("0.1")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=RUN_TIMEOUT_MS)
    assert "end rate 0.1 must be larger than the start rate 1" in window.banner.message_label.text()
    assert "end rate 0.1" in dialog.status.text() and dialog.run_button.isEnabled()
    dialog.start_edit.setText("one")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert "rates numbers such as 1e-7" in dialog.status.text() and not dialog.running
    dialog.close()


def test_after_a_run_the_test_starts_from_its_weights_unless_unticked(qtbot, window) -> None:
    window.form.set_config(tiny_config(epochs=3, seed=0, lr=0.01))
    dialog = window.lr_finder
    dialog.show_beside()
    assert not dialog.from_run_check.isEnabled() and not dialog.from_run_check.isChecked()
    assert "no run has ended" in dialog.from_run_check.text()
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    run_id = window.session.run_id
    check = dialog.from_run_check
    assert check.isEnabled() and check.isChecked() and f"run {run_id}'s trained weights" in check.text()
    assert dialog.weights_source() == (str(window.session.runs_db), run_id)

    def first_loss() -> float:
        dialog.last_result = None
        dialog.steps_edit.setText("12")
        dialog.start_edit.setText("1e-7")
        dialog.end_edit.setText("1e-6")  # too small to move the weights: the curve shows where they start
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=RUN_TIMEOUT_MS)
        assert dialog.last_result is not None
        return sum(dialog.last_result.losses[:4]) / 4

    trained = first_loss()
    check.setChecked(False)
    assert dialog.weights_source() is None
    fresh = first_loss()
    ended_at = window.session.history[-1].loss
    assert abs(trained - ended_at) < 0.25, f"the run ended at loss {ended_at:.3f}; the test began at {trained:.3f}"
    assert trained < fresh - 0.3, f"trained weights start at loss {trained:.3f}, fresh ones at {fresh:.3f}"
    dialog.close()
