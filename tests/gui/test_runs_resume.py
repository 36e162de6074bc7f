"""Stopping a run, then resuming it from the Runs tab: it finishes and its curves stay continuous."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import Qt
from runs_helpers import runs_db, table_texts, window

from resnet_gui.runs.store import RunStore

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_a_stopped_run_resumed_from_the_runs_tab_finishes_all_its_epochs(qtbot, window, runs_db: Path) -> None:
    window.form.set_config(tiny_config(epochs=3, batch_size=64))
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.session.history) >= 1, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["stopped"]
    stopped_at = len(window.session.history)
    assert 1 <= stopped_at < 3

    panel = window.runs_panel
    window.tabs.setCurrentWidget(panel)
    run_id = panel.last_run_id
    qtbot.waitUntil(lambda: table_texts(panel, run_id)["Status"] == "stopped", timeout=5000)
    assert table_texts(panel, run_id)["Epochs"] == f"{stopped_at}/3"
    panel.select_runs([run_id])
    assert panel.resume_button.isEnabled()

    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
        assert window.tabs.currentIndex() == 0 and not panel.resume_button.isEnabled()
    assert finished.args == ["finished"]
    assert [e.epoch for e in window.session.history] == [1, 2, 3]
    # The batch-loss curve holds the batches trained before the stop too, in order, once each.
    bx = window.plots.batch_loss.x
    assert bx[0] <= stopped_at and bx[-1] == pytest.approx(3) and (np.diff(bx) > 0).all()
    view = window.plots.loss_plot.getPlotItem().getViewBox()
    view.updateAutoRange()  # what the next paint does: the axis spans the whole run
    assert view.viewRange()[0][0] <= bx[0] and view.viewRange()[0][1] >= 3
    x, _ = window.plots.test_acc.curve.getData()
    assert list(x) == [1, 2, 3]
    assert window.progress.run_percent() == 100

    store = RunStore(runs_db)
    assert [r.id for r in store.list()] == [run_id]
    run = store.get(run_id)
    assert (run.status, run.epochs_done) == ("finished", 3)
    assert [e.epoch for e in store.epochs(run_id)] == [1, 2, 3]
    assert list(bx) == pytest.approx([x for x, _ in store.batch_losses(run_id)])
    qtbot.waitUntil(lambda: table_texts(panel, run_id)["Status"] == "finished", timeout=5000)
    assert table_texts(panel, run_id)["Epochs"] == "3/3"
