"""The Runs tab as a user sees it: runs listed with their results, compared, renamed, noted, deleted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from runs_helpers import (
    make_panel,
    record_run,
    refreshed,
    runs_db,
    settle_garbage,
    store,
    table_texts,
    wait_for_panel,
    window,
)

from resnet_gui.gui.tabs.runs.run_columns import TITLES
from resnet_gui.gui.tabs.runs.runs_panel import RunsPanel
from resnet_gui.runs.store import RunStore
from resnet_gui.training.events import EpochEnd, RunEnd

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_a_finished_run_appears_in_the_table_with_its_best_accuracy(qtbot, window, runs_db: Path) -> None:
    window.form.set_config(tiny_config())
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    panel = window.runs_panel
    window.tabs.setCurrentWidget(panel)
    run_id = panel.last_run_id
    assert run_id is not None
    qtbot.waitUntil(lambda: table_texts(panel, run_id)["Status"] == "finished", timeout=RUN_TIMEOUT_MS)
    row = table_texts(panel, run_id)
    best = max(window.session.history, key=lambda e: (e.test_acc, -e.epoch))
    assert row["Best acc"] == f"{best.test_acc:.3f} @ {best.epoch}"
    assert row["Last acc"] == f"{window.session.history[-1].test_acc:.3f}"
    assert (row["Epochs"], row["LR"], row["Batch"], row["Optimizer"]) == ("2/2", "0.001", "512", "adam")
    assert row["Model"] == "ResNet 1 · 8 ch · basic"
    assert row["Name"] == f"run {run_id}" and row["Duration"].count(":") == 1
    assert panel.db_path == str(runs_db)


def test_two_runs_selected_are_overlaid_and_their_lr_difference_listed(qtbot, store, make_panel) -> None:
    slow = record_run(store, tiny_config(lr=0.001), "slow")
    fast = record_run(store, tiny_config(lr=0.01), "fast")
    panel = make_panel()
    assert {r.id for r in panel.runs()} == {slow, fast}
    panel.select_runs([slow, fast])
    wait_for_panel(qtbot, panel)
    assert len(panel.compare.loss_curves) == 2 and len(panel.compare.acc_curves) == 2
    for curve in panel.compare.loss_curves + panel.compare.acc_curves:
        x, _ = curve.getData()
        assert list(x) == [1, 2]
    order = [panel.run(i).name for i in panel.selected_run_ids()]
    assert sorted(order) == ["fast", "slow"]
    assert panel.compare.legend_names() == [
        f"{name} · learning rate {0.01 if name == 'fast' else 0.001:g}" for name in order
    ]
    diffs = panel.differences.as_dict()
    assert list(diffs) == ["train.lr"]
    assert diffs["train.lr"] == ["0.01" if name == "fast" else "0.001" for name in order]
    assert [panel.differences.horizontalHeaderItem(c).text() for c in range(2)] == order
    assert panel.differences.verticalHeaderItem(0).text() == "Learning rate"  # the form's label, not train.lr

    panel.select_runs([slow])
    wait_for_panel(qtbot, panel)
    assert len(panel.compare.loss_curves) == 1
    assert "two or more" in panel.differences.note()


def test_rename_inline_and_notes_are_kept_in_the_store(qtbot, store, make_panel) -> None:
    run_id = record_run(store)
    other = record_run(store)
    panel = make_panel()
    panel.select_runs([run_id])
    qtbot.mouseClick(panel.rename_button, Qt.MouseButton.LeftButton)
    editors = panel.table.viewport().findChildren(QLineEdit)
    assert len(editors) == 1
    editors[0].selectAll()
    qtbot.keyClicks(editors[0], "baseline")
    qtbot.keyClick(editors[0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table_texts(panel, run_id)["Name"] == "baseline", timeout=2000)
    qtbot.waitUntil(lambda: store.get(run_id).name == "baseline", timeout=5000)
    wait_for_panel(qtbot, panel)
    qtbot.waitUntil(lambda: panel.compare.legend_names() == ["baseline"], timeout=5000)

    qtbot.keyClicks(panel.notes_edit, "lr too high?")
    qtbot.waitUntil(lambda: store.get(run_id).notes == "lr too high?", timeout=5000)
    panel.select_runs([other])
    assert panel.notes_edit.toPlainText() == ""
    panel.select_runs([run_id])
    assert panel.notes_edit.toPlainText() == "lr too high?"
    panel.select_runs([run_id, other])
    assert not panel.notes_edit.isEnabled()


def test_delete_asks_inline_then_removes_the_row_and_the_checkpoints(qtbot, store, make_panel) -> None:
    keep = record_run(store)
    doomed = record_run(store, name="doomed")
    folder = Path(store.get(doomed).checkpoint_dir)
    assert (folder / "last.pt").is_file()
    panel = make_panel()
    panel.select_runs([doomed])
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert panel.confirm_bar.isVisible() and "doomed" in panel.confirm_label.text()
    qtbot.mouseClick(panel.cancel_delete_button, Qt.MouseButton.LeftButton)
    assert not panel.confirm_bar.isVisible() and folder.exists()

    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.refreshed, timeout=5000):
        qtbot.mouseClick(panel.confirm_delete_button, Qt.MouseButton.LeftButton)
    assert [r.id for r in panel.runs()] == [keep]
    assert not folder.exists()
    assert [r.id for r in store.list()] == [keep]
    assert panel.selected_run_ids() == [] and panel.compare.loss_curves == []


def test_load_settings_fills_the_form(qtbot, window, store) -> None:
    cfg = tiny_config(lr=0.02, epochs=3, batch_size=128)
    run_id = store.create_run(cfg)
    store.finish(run_id, "stopped")
    panel = window.runs_panel
    window.tabs.setCurrentWidget(panel)
    refreshed(qtbot, panel)
    panel.select_runs([run_id])
    assert not panel.resume_button.isEnabled()  # stopped before its first checkpoint
    qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    loaded = window.form.config()
    assert loaded is not None
    assert (loaded.train.lr, loaded.train.epochs, loaded.train.batch_size) == (0.02, 3, 128)
    assert (loaded.model.blocks, loaded.model.channels, loaded.data.dataset) == ((1,), 8, "sample")


def test_a_hundred_runs_fill_the_panel_within_a_second(qtbot, store, runs_db: Path) -> None:
    for i in range(100):
        run_id = store.create_run(tiny_config(lr=0.001 * (i + 1)))
        recorder = store.recorder(run_id)
        for epoch in (1, 2):
            recorder(EpochEnd(epoch, 1.0 / epoch, 0.5, 0.4 + i / 1000 + epoch / 100, 1.0, 1000.0, 0.001))
        recorder(RunEnd("finished", 2))
    t0 = time.perf_counter()
    panel = RunsPanel(str(runs_db))
    qtbot.addWidget(panel)
    panel.show()
    try:
        qtbot.waitUntil(lambda: panel.proxy.rowCount() == 100, timeout=5000)
        elapsed = time.perf_counter() - t0
        assert elapsed < 1.0, f"the panel took {elapsed:.2f} s to fill"
        best, lr = TITLES.index("Best acc"), TITLES.index("LR")
        panel.table.sortByColumn(best, Qt.SortOrder.DescendingOrder)
        assert panel.proxy.index(0, best).data() == "0.519 @ 2"
        panel.table.sortByColumn(lr, Qt.SortOrder.AscendingOrder)
        assert panel.proxy.index(0, lr).data() == "0.001" and panel.proxy.index(99, lr).data() == "0.1"
    finally:
        panel.shutdown()
        settle_garbage()


def test_tensorboard_box_logs_the_next_run_beside_the_history(qtbot, window, runs_db: Path) -> None:
    panel = window.runs_panel
    assert panel.tensorboard_check.isEnabled()
    panel.tensorboard_check.setChecked(True)
    window.form.set_config(tiny_config(epochs=2, batch_size=64))
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
        window.tabs.setCurrentWidget(panel)
        qtbot.waitUntil(
            lambda: (
                panel.last_run_id is not None
                and any(r.id == panel.last_run_id and r.status == "running" for r in panel.runs())
            ),
            timeout=RUN_TIMEOUT_MS,
        )
    assert finished.args == ["finished"]
    logdir = runs_db.parent / "tensorboard" / f"run-{panel.last_run_id}"
    assert any(p.name.startswith("events.out.tfevents") for p in logdir.iterdir())


def test_tensorboard_box_is_off_with_a_reason_when_tensorboard_is_missing(qtbot, monkeypatch, runs_db) -> None:
    import resnet_gui.gui.tabs.runs.parts as runs_parts

    monkeypatch.setattr(runs_parts, "tensorboard_installed", lambda: False)
    panel = RunsPanel(str(runs_db))
    qtbot.addWidget(panel)
    try:
        assert not panel.tensorboard_check.isEnabled() and not panel.tensorboard_enabled
        assert "pip install tensorboard" in panel.tensorboard_check.toolTip()
    finally:
        panel.shutdown()
        settle_garbage()
