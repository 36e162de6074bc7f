"""Comparison done right in the window: a run keeps one colour in every view (Runs table, compare plots,
Training plots) and follows a change; legends name the differing settings; best beside last; runs
repeated with several seeds are drawn as a mean with a band and summed up as mean ± std."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from runs_helpers import fake_run, make_panel, refreshed, runs_db, settle_garbage, store, wait_for_panel, window

from resnet_gui.gui.tabs.runs.run_columns import NAME_COLUMN
from resnet_gui.gui.tabs.runs.runs_table import RUN_ID_ROLE
from resnet_gui.gui.widgets import palette
from resnet_gui.runs.status import RunStatus
from resnet_gui.runs.store import RunStore
from resnet_gui.training.events import EpochEnd, RunEnd

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]
__all__ = ["make_panel", "runs_db", "settle_garbage", "store", "window"]


def swatch(panel, run_id: int) -> tuple[int, int, int]:
    """The colour marking the run's name in the Runs table."""
    model = panel.proxy
    for row in range(model.rowCount()):
        if model.index(row, 0).data(RUN_ID_ROLE) == run_id:
            color = model.index(row, NAME_COLUMN).data(Qt.ItemDataRole.DecorationRole)
            return (color.red(), color.green(), color.blue())
    raise KeyError(run_id)


def test_a_runs_colour_is_the_same_in_every_view_and_follows_a_change(qtbot, window, store) -> None:
    window.form.set_config(tiny_config(epochs=1))
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    run_id = window.session.run_id
    panel = window.runs_panel
    other = fake_run(store, "other")
    window.tabs.setCurrentWidget(panel)
    refreshed(qtbot, panel)
    assert {r.id for r in panel.runs()} == {run_id, other}
    panel.select_runs([run_id, other])
    wait_for_panel(qtbot, panel)

    expected = palette.run_color(run_id)  # the palette's colour for its id, before any choice
    assert swatch(panel, run_id) == expected
    assert panel.compare.curve_colors()[panel.selected_run_ids().index(run_id)] == expected
    assert window.plots.run_titles.color() == expected
    assert palette.hex_color(expected) in window.plots.loss_plot.getPlotItem().titleLabel.text
    assert f"run {run_id}" in window.plots.acc_plot.getPlotItem().titleLabel.text
    assert swatch(panel, other) == palette.run_color(other) != expected

    # The user picks another colour: the table, the comparison and the Training tab follow.
    dialog = panel.row_menu.ask_color(panel.run(run_id))
    dialog.setCurrentColor(QColor("#112233"))
    dialog.accept()
    qtbot.waitUntil(lambda: store.get(run_id).color == "#112233", timeout=5000)
    qtbot.waitUntil(lambda: swatch(panel, run_id) == (0x11, 0x22, 0x33), timeout=RUN_TIMEOUT_MS)
    wait_for_panel(qtbot, panel)
    qtbot.waitUntil(lambda: (0x11, 0x22, 0x33) in panel.compare.curve_colors(), timeout=5000)
    assert panel.compare.scores.item(panel.selected_run_ids().index(run_id), 0).data(
        Qt.ItemDataRole.DecorationRole
    ) == QColor("#112233")
    assert window.plots.run_titles.color() == (0x11, 0x22, 0x33)
    assert "#112233" in window.plots.loss_plot.getPlotItem().titleLabel.text

    # Reset: the palette's colour again, everywhere.
    menu = panel.row_menu.menu_for(panel.run(run_id))
    reset = next(a for a in menu.actions() if a.text() == "Reset colour")
    assert reset.isEnabled()
    reset.trigger()
    qtbot.waitUntil(lambda: swatch(panel, run_id) == expected, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.plots.run_titles.color() == expected, timeout=5000)


def _seeded(store: RunStore, seed: int, accs: tuple[float, ...], tag: str, lr: float = 0.01) -> int:
    run_id = store.create_run(tiny_config(lr=lr, seed=seed), f"tiny · seed {seed}")
    recorder = store.recorder(run_id)
    for epoch, acc in enumerate(accs, start=1):
        recorder(EpochEnd(epoch, 1.0 - acc, acc, acc, 1.0, 100.0, lr))
    recorder(RunEnd("finished", len(accs)))
    store.set_tags(run_id, [tag])
    return run_id


def test_seed_groups_are_drawn_as_mean_and_band_with_mean_and_std(qtbot, store, make_panel) -> None:
    group = [_seeded(store, s, accs, "seeds:g1") for s, accs in ((0, (0.6, 0.8)), (1, (0.7, 0.9)), (2, (0.8, 0.7)))]
    single = _seeded(store, 0, (0.5, 0.75), "lr", lr=0.1)
    panel = make_panel()
    panel.select_runs([*group, single])
    wait_for_panel(qtbot, panel)
    compare = panel.compare
    names = compare.legend_names()
    assert sorted(names) == sorted(["seeds:g1 (3 runs) · learning rate 0.01", f"run {single} · learning rate 0.1"])
    group_row = names.index("seeds:g1 (3 runs) · learning rate 0.01")
    acc = compare.acc_curves[group_row]
    assert list(acc.getData()[1]) == pytest.approx([0.7, 0.8])  # the mean of each epoch
    assert len(compare.bands) == 2  # the group's band on the loss and the accuracy plot
    assert compare.curve_colors()[group_row] == palette.run_color(min(group))

    def band_edges() -> tuple[list[float], list[float]]:
        fill = compare.bands[1]
        return list(fill.curves[0].getData()[1]), list(fill.curves[1].getData()[1])

    assert compare.band.currentData() == "minmax"
    assert band_edges() == (pytest.approx([0.6, 0.7]), pytest.approx([0.8, 0.9]))
    compare.band.setCurrentIndex(compare.band.findData("std"))  # mean ± sample std: 0.1 at both epochs
    assert band_edges() == (pytest.approx([0.6, 0.7]), pytest.approx([0.8, 0.9]))
    rows = dict((r[0], r[1:]) for r in compare.scores.rows())
    # bests 0.8 @2, 0.9 @2, 0.8 @1 -> 0.833 ± 0.058; lasts 0.8, 0.9, 0.7 -> 0.800 ± 0.100
    assert rows["seeds:g1 (3 runs) · learning rate 0.01"] == ("0.833 ± 0.058", "0.800 ± 0.100")
    assert rows[f"run {single} · learning rate 0.1"] == ("0.750 @ 2", "0.750")

    compare.band.setCurrentIndex(compare.band.findData("apart"))  # each run on its own, in its own colour
    assert len(compare.loss_curves) == 4 and compare.bands == []
    assert f"run {group[1]} · learning rate 0.01, seed 1" in compare.legend_names()
    assert compare.curve_colors()[:3] == [palette.run_color(i) for i in panel.selected_run_ids()[:3]]


def test_repeat_with_seeds_starts_grouped_background_runs(qtbot, store, make_panel, monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the runs' processes share the CPU with the tests
    source = fake_run(store, "tiny", tiny_config(epochs=1, seed=5))
    panel = make_panel()
    menu = panel.row_menu.menu_for(panel.run(source))
    assert [a.text() for a in menu.actions() if a.text()] == ["Colour…", "Reset colour", "Repeat with N seeds…"]
    dialog = panel.row_menu.ask_seeds(panel.run(source))
    dialog.setIntValue(2)
    dialog.accept()
    qtbot.waitUntil(lambda: "Started 2 background runs" in panel.status_label.text(), timeout=RUN_TIMEOUT_MS)
    assert "seeds 5 to 6" in panel.status_label.text()
    try:
        qtbot.waitUntil(
            lambda: len([r for r in panel.runs() if r.id != source and r.status == RunStatus.FINISHED]) == 2,
            timeout=120_000,
        )
    finally:
        for run in store.list():
            if run.status == RunStatus.RUNNING and run.pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(run.pid, signal.SIGKILL)
    repeats = [r for r in store.list() if r.id != source]
    assert sorted(r.config.train.seed for r in repeats) == [5, 6]
    assert len({r.tags for r in repeats}) == 1 and repeats[0].tags[0].startswith("seeds:")
    assert {r.name for r in repeats} == {"tiny · seed 5", "tiny · seed 6"}
    panel.select_runs([r.id for r in repeats])
    wait_for_panel(qtbot, panel)
    assert panel.compare.legend_names() == [f"{repeats[0].tags[0]} (2 runs)"] and len(panel.compare.bands) == 2
