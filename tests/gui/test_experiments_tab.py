"""The Experiments tab: an experiment defined in the window runs as background workers, outlives the
window, is found and followed by the next one, paused and resumed; its trials fill the table and the
plots in their run colours; the best trial's settings go into the form; problems name the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import CORE_TIMEOUT_MS
from PySide6.QtCore import Qt

from resnet_gui.experiments.definition import load_sweep
from resnet_gui.experiments.overview import find_workers
from resnet_gui.experiments.processes import stop_workers
from resnet_gui.gui.main_window import MainWindow
from resnet_gui.gui.session import experiments as experiments_session
from resnet_gui.gui.widgets import palette
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig

TRIALS_TIMEOUT_MS = 240_000


def tiny_base() -> RunConfig:
    """One 4-channel block on the sample, one epoch in batches of 500: a trial takes about a second."""
    return RunConfig(
        model=ModelConfig(blocks=(1,), channels=4),
        data=DataConfig(dataset="sample", resize=0),
        train=TrainConfig(epochs=1, batch_size=500, precision="fp32"),
    )


def open_window(qtbot) -> MainWindow:
    win = MainWindow(settings=None)
    win.show()
    qtbot.waitUntil(lambda: win.core.info is not None and not win.core.busy, timeout=CORE_TIMEOUT_MS)
    win.go_menu.actions["Experiments"].trigger()
    assert win.tabs.currentWidget() is win.experiments
    return win


def close_window(win: MainWindow) -> None:
    win.close()
    win.shutdown()
    win.deleteLater()


def define_2x2(win: MainWindow, name: str) -> None:
    """lr 0.01 or 0.05 by 4 or 6 channels, typed into the tab as a user would."""
    win.form.set_config(tiny_base())
    tab = win.experiments
    space = tab.definition.space
    space.rows[0].values.setText("0.01, 0.05")
    channels = space.add_row("model.channels")
    channels.values.setText("4, 6")
    tab.definition.strategy.setCurrentIndex(tab.definition.strategy.findData("grid"))
    tab.definition.name.setText(name)


@pytest.fixture
def runs_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("RESNET_GUI_RUNS", str(path))
    monkeypatch.setattr(experiments_session, "POLL_MS", 300)
    return path


@pytest.mark.slow
def test_an_experiment_outlives_the_window_and_the_next_one_follows_it_to_the_end(qtbot, runs_db) -> None:
    first = open_window(qtbot)
    try:
        define_2x2(first, "exp")
        first.experiments.start()
        session = first.experiments.session
        # Pause once the first trial runs (its worker then has its signal handlers): it ends that trial.
        qtbot.waitUntil(
            lambda: session.view is not None and any(r.state == "running" for r in session.view.rows),
            timeout=TRIALS_TIMEOUT_MS,
        )
        assert first.experiments.pause_button.isEnabled()
        first.experiments.pause_button.click()
        qtbot.waitUntil(lambda: "pausing" in first.experiments.state_label.text(), timeout=5000)
        workers = list(session.view.workers)
    finally:
        close_window(first)  # the workers are processes of their own: they go on
    assert workers and find_workers("exp", f"sqlite:///{runs_db.parent / 'experiments.sqlite'}") == workers

    second = open_window(qtbot)
    try:
        tab = second.experiments
        qtbot.waitUntil(lambda: tab.session.name == "exp", timeout=30_000)  # found and followed
        qtbot.waitUntil(lambda: tab.session.state == "paused", timeout=TRIALS_TIMEOUT_MS)
        view = tab.session.view
        assert 1 <= view.done < 4 and "paused" in tab.state_label.text() and tab.resume_button.isEnabled()
        tab.resume_button.click()
        qtbot.waitUntil(lambda: tab.session.state == "finished", timeout=TRIALS_TIMEOUT_MS)
        view = tab.session.view
        assert tab.state_label.text().startswith("exp: finished. 4 of 4 trials run; best ")

        # The table: one row per trial, the varied settings, best accuracy and its epoch, sortable.
        assert tab.table.trials.headers()[:4] == ["Trial", "State", "Learning rate", "First-stage channels"]
        rows = tab.table.shown_rows()
        assert [r[1] for r in rows] == ["complete"] * 4
        assert sorted((r[2], r[3]) for r in rows) == [("0.01", "4"), ("0.01", "6"), ("0.05", "4"), ("0.05", "6")]
        assert all(r[5] == "1" and 0 < float(r[4]) <= 1 for r in rows)
        best = view.best
        assert rows[best.number][0] == f"{best.number} ★"
        tab.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        assert tab.table.shown_rows()[0][4] == f"{best.best_test_acc:.4f}"

        # Each trial in its run's colour, the same as on the Runs tab.
        model = tab.table.proxy
        for r in range(model.rowCount()):
            run_id = int(model.index(r, model.columnCount() - 1).data())
            colour = model.index(r, 0).data(Qt.ItemDataRole.DecorationRole)
            assert colour.getRgb()[:3] == palette.run_color(run_id)
        runs = second.runs_panel.model
        second.runs_panel.refresh()
        qtbot.waitUntil(lambda: runs.rowCount() == 4, timeout=10_000)
        from resnet_gui.gui.tabs.runs.runs_table import NAME_COLUMN, RUN_ID_ROLE

        for r in range(4):
            index = runs.index(r, NAME_COLUMN)
            assert index.data(Qt.ItemDataRole.DecorationRole).getRgb()[:3] == palette.run_color(index.data(RUN_ID_ROLE))

        # The plots: each setting against best accuracy (lr on a log axis? no: a list), every trial across
        # the settings, and the importances of the two settings.
        plots = tab.plots
        assert list(plots.scatters) == ["train.lr", "model.channels"]
        points = plots.scatters["train.lr"].getPlotItem().listDataItems()[0].getData()
        assert sorted(points[0]) == [0.01, 0.01, 0.05, 0.05]
        assert len(plots.parallel.getPlotItem().listDataItems()) == 4
        assert set(view.importances) == {"train.lr", "model.channels"} and plots.bars is not None
        assert not plots.importance_note.isVisible()

        # Load the best trial into the form.
        assert tab.load_best_button.isEnabled()
        tab.load_best_button.click()
        cfg = second.form.config()
        assert cfg is not None
        assert (cfg.train.lr, cfg.model.channels) == (best.params["train.lr"], best.params["model.channels"])
        assert cfg.data.dataset == "sample" and cfg.model.blocks == (1,)
        # Or any trial's, by a double-click on its row (sorted by accuracy: the last row is the worst).
        tab.table.selectRow(3)
        chosen = tab.table.selected_trial()
        assert chosen.best_test_acc == min(r.best_test_acc for r in view.rows)
        tab.load_selected()
        cfg = second.form.config()
        assert cfg is not None
        assert (cfg.train.lr, cfg.model.channels) == (chosen.params["train.lr"], chosen.params["model.channels"])
    finally:
        stop_workers(list(tab.session.view.workers) if tab.session.view else [])
        close_window(second)


def test_problems_name_the_field_and_nothing_starts(qtbot, runs_db) -> None:
    win = open_window(qtbot)
    try:
        tab = win.experiments
        win.form.set_config(tiny_base())
        row = tab.definition.space.rows[0]
        row.values.setText("0.01, fast")
        tab.start()
        problems = tab.definition.problems
        assert problems.isVisible() and problems.text() == "Learning rate: 'fast' is not a number"
        # A range where a grid needs values: refused by the same check as resnet-gui sweep, naming the setting.
        row.mode.setCurrentIndex(1)
        row.low.setText("0.001")
        row.high.setText("0.1")
        tab.start()
        assert "Learning rate (train.lr): a grid needs values" in problems.text()
        row.high.setText("0.0001")
        tab.definition.strategy.setCurrentIndex(tab.definition.strategy.findData("tpe"))
        tab.start()
        assert "Learning rate (train.lr): low (0.001) must be below high (0.0001)" in problems.text()
        # Invalid form settings: the trials would start from them.
        win.form.field("train.epochs").setText("0")
        qtbot.waitUntil(lambda: win.form.config() is None)
        tab.start()
        assert problems.text().startswith("The form's settings are not valid")
        assert tab.session.view is None and not tab.session.busy and not (runs_db.parent / "background").exists()
    finally:
        close_window(win)


def test_the_definition_saves_and_loads_as_sweep_toml(qtbot, runs_db, tmp_path) -> None:
    win = open_window(qtbot)
    try:
        define_2x2(win, "grid-here")
        definition = win.experiments.definition
        definition.pruner.setCurrentIndex(definition.pruner.findData("median"))
        path = tmp_path / "sweep.toml"
        assert win.experiments.save_sweep_file(path)
        saved = load_sweep(path)  # the file resnet-gui sweep --config reads
        assert saved.base == tiny_base() and saved.strategy == "grid" and saved.pruner == "median"
        assert [(p.key, p.values) for p in saved.params] == [("train.lr", (0.01, 0.05)), ("model.channels", (4, 6))]
        assert saved.budget == 4 and saved.name == "grid-here"

        win.form.set_preset("resnet18")  # another base in the form, another definition in the tab
        definition.space.clear()
        definition.space.add_row("train.optimizer")
        assert win.experiments.open_sweep_file(path) == saved
        assert [r.key for r in definition.space.rows] == ["train.lr", "model.channels"]
        assert definition.space.rows[1].values.text() == "4, 6" and definition.name.text() == "grid-here"
        assert win.form.config() == tiny_base()  # the base run went into the form
    finally:
        close_window(win)


def test_the_whole_definition_shows_at_the_default_window_size(qtbot, runs_db) -> None:
    """Start, Save and Load are in view without scrolling the definition when the tab opens."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication, QScrollArea

    win = open_window(qtbot)
    try:
        QApplication.processEvents()
        definition = win.experiments.definition
        scroll = definition.parentWidget().parentWidget()
        assert isinstance(scroll, QScrollArea)
        bottom = definition.start_button.mapTo(scroll.viewport(), QPoint(0, definition.start_button.height())).y()
        assert bottom <= scroll.viewport().height()
        assert not scroll.verticalScrollBar().isVisible()
    finally:
        close_window(win)
