"""Opening a saved run from the Runs tab on the Results tab: its matrix on its test set, and its model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import Qt
from runs_helpers import record_run, refreshed, runs_db, window

from resnet_gui.inference import predictions as inspect_model
from resnet_gui.runs.store import RunStore

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_a_saved_run_opens_on_the_results_tab(qtbot, window, runs_db: Path, monkeypatch) -> None:
    store = RunStore(runs_db)
    first = record_run(store, tiny_config(epochs=1), name="one epoch")
    second = record_run(store, tiny_config(epochs=2, lr=0.01), name="two epochs")
    never_trained = store.create_run(tiny_config(), "no model")  # no epoch finished: no checkpoint
    panel, results = window.runs_panel, window.results
    window.tabs.setCurrentWidget(panel)
    refreshed(qtbot, panel)

    panel.select_runs([never_trained])
    assert not panel.inspect_button.isEnabled()
    panel.select_runs([first, second])
    assert not panel.inspect_button.isEnabled()
    panel.select_runs([first])
    assert panel.inspect_button.isEnabled()

    with qtbot.waitSignal(results.inspector.evaluation_ready, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.inspect_button, Qt.MouseButton.LeftButton)
        assert window.tabs.currentWidget() is results
        assert "Scoring run" in results.confusion.summary.text()
    run = store.get(first)
    matrix = results.confusion.matrix()
    assert matrix.sum() == 1000 and matrix.sum(axis=1).tolist() == [100] * 10
    assert np.trace(matrix) / 1000 == pytest.approx(run.best_test_acc, abs=1e-9)
    assert results.confusion.summary.text().startswith(f"Run {first} (one epoch) after epoch 1: test accuracy")
    qtbot.waitUntil(lambda: results.model_info is not None, timeout=RUN_TIMEOUT_MS)
    assert results.model_info.label == f"run {first} · best.pt"

    # Opening it again shows the same scores at once: the unchanged checkpoint is not scored again.
    scored: list[object] = []
    with monkeypatch.context() as patch:
        patch.setattr(inspect_model, "test_set_predictions", lambda *a, **k: scored.append(a))
        window.tabs.setCurrentWidget(panel)
        with qtbot.waitSignal(results.inspector.evaluation_ready, timeout=RUN_TIMEOUT_MS):
            qtbot.mouseClick(panel.inspect_button, Qt.MouseButton.LeftButton)
    assert scored == [] and np.array_equal(results.confusion.matrix(), matrix)

    # The feature maps use the test images of the run that is shown.
    with qtbot.waitSignal(results.inspector.maps_ready, timeout=RUN_TIMEOUT_MS):
        results.tabs.setCurrentWidget(results.feature_maps)
    assert results.feature_maps.tile_count() == 8

    # A run whose files were deleted says so, and the window stays usable.
    shutil.rmtree(Path(store.get(second).checkpoint_dir))
    window.tabs.setCurrentWidget(panel)
    panel.select_runs([second])
    with qtbot.waitSignal(results.inspector.evaluation_failed, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.inspect_button, Qt.MouseButton.LeftButton)
    text = results.confusion.summary.text()
    assert text.startswith(f"Could not score run {second} (two epochs):") and "gone" in text
    assert results.confusion.matrix().size == 0


def test_an_image_clicked_in_compare_mistakes_opens_on_the_results_tab(qtbot, window, runs_db: Path) -> None:
    store = RunStore(runs_db)
    first = record_run(store, tiny_config(epochs=1), name="slow")
    second = record_run(store, tiny_config(epochs=1, lr=0.01), name="fast")
    panel, results = window.runs_panel, window.results
    window.tabs.setCurrentWidget(panel)
    refreshed(qtbot, panel)
    panel.select_runs([first, second])
    dialog = panel.mistakes
    with qtbot.waitSignal(dialog.compared, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.mistakes_button, Qt.MouseButton.LeftButton)
    view = dialog.view
    t = int(np.abs(np.diag(view.matrix())).argmax())  # the class on which the runs differ most
    view.select_cell(t, t)
    grid = view.b_only if view.b_only.count() else view.a_only  # B right and A wrong: run A is opened
    wrong_run = first if grid is view.b_only else second
    assert grid.count() > 0
    image = grid.values()[0]
    with qtbot.waitSignal(results.inspector.evaluation_ready, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualItemRect(grid.item(0)).center())
    qtbot.waitUntil(lambda: results.tabs.currentWidget() is results.feature_maps, timeout=RUN_TIMEOUT_MS)
    assert window.tabs.currentWidget() is results
    assert results.feature_maps.index == image
    assert results.confusion.summary.text().startswith(f"Run {wrong_run} (")
    dialog.close()
