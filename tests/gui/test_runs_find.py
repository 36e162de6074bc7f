"""Finding and telling runs apart on the Runs tab: data set, model and tags columns, a failed run's error,
tags edited in place, search and filters, the wall-time axis and background runs' names."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from gui_helpers import tiny_config
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from runs_helpers import fake_run, make_panel, runs_db, store, table_texts, wait_for_panel

from resnet_gui.gui.jobs import JobContext
from resnet_gui.gui.session.follow_job import follow_run
from resnet_gui.gui.tabs.runs.compare_plots import time_unit
from resnet_gui.gui.tabs.runs.run_columns import TITLES
from resnet_gui.gui.tabs.runs.runs_table import RUN_ID_ROLE
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import with_changes
from resnet_gui.training.events import EpochEnd

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]

FLOWERS = with_changes(tiny_config(), data={"dataset": "folder", "folder": "/data/photos/flowers"})
OOM = "Not enough memory: the run needs 96.0 GB, 12.0 GB are free"


def tooltip(panel, run_id: int, title: str) -> str:
    """The tooltip of a run's cell in the column called ``title``."""
    proxy = panel.proxy
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(RUN_ID_ROLE) == run_id)
    return proxy.index(row, TITLES.index(title)).data(Qt.ItemDataRole.ToolTipRole)


def shown(panel) -> list[str]:
    """The names of the runs the table shows, in its order."""
    return [r.name for r in panel.runs()]


def test_data_set_model_and_tags_columns_say_what_each_run_is(store, make_panel) -> None:
    folder = fake_run(store, "photos", FLOWERS)
    sample = fake_run(store, "tiny")
    store.set_tags(sample, ["baseline", "lr"])
    panel = make_panel()
    row = table_texts(panel, folder)
    assert row["Data set"] == "folder: flowers" and "/data/photos/flowers" in tooltip(panel, folder, "Data set")
    assert row["Model"] == "ResNet 1 · 8 ch · basic"
    assert tooltip(panel, folder, "Name").startswith("photos\nrun 1, started ")
    model_tip = tooltip(panel, folder, "Model")
    assert model_tip.startswith("ResNet 1 · 8 ch · basic\n") and "stem: 7×7 conv, stride 2" in model_tip
    assert table_texts(panel, sample)["Data set"] == "sample"
    assert table_texts(panel, sample)["Tags"] == "baseline, lr" and row["Tags"] == ""
    header = panel.table.horizontalHeader()
    model_width = header.sectionSize(TITLES.index("Model"))
    assert panel.table.fontMetrics().horizontalAdvance(row["Model"]) < model_width  # not cut


def test_a_failed_runs_error_shows_in_the_status_tooltip_and_under_the_table(qtbot, store, make_panel) -> None:
    ok = fake_run(store, "fine")
    bad = fake_run(store, "too big", seconds=(), status="failed", error=OOM)
    panel = make_panel()
    assert table_texts(panel, bad)["Status"] == "failed" and OOM in tooltip(panel, bad, "Status")
    assert not panel.error_line.isVisible()
    panel.select_runs([bad])
    assert panel.error_line.isVisible() and panel.error_line.text() == f"Run 'too big' failed: {OOM}"
    panel.select_runs([ok])
    assert not panel.error_line.isVisible()


def test_tags_edited_in_the_window_survive_a_reload(qtbot, store, make_panel) -> None:
    run_id = fake_run(store, "one")
    fake_run(store, "other")
    panel = make_panel()
    panel.select_runs([run_id])
    assert panel.tags_button.isEnabled()
    qtbot.mouseClick(panel.tags_button, Qt.MouseButton.LeftButton)
    (editor,) = panel.table.viewport().findChildren(QLineEdit)
    qtbot.keyClicks(editor, "sweep, lr ,sweep")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table_texts(panel, run_id)["Tags"] == "sweep, lr", timeout=2000)
    qtbot.waitUntil(lambda: store.get(run_id).tags == ("sweep", "lr"), timeout=5000)
    wait_for_panel(qtbot, panel)
    qtbot.waitUntil(lambda: panel.filter_bar.tag.count() == 3, timeout=5000)
    assert [panel.filter_bar.tag.itemText(i) for i in range(3)] == ["Any tag", "lr", "sweep"]

    again = make_panel()  # read from the database afresh
    assert table_texts(again, run_id)["Tags"] == "sweep, lr"


def test_search_and_filters_hide_runs_and_the_count_line_says_how_many(qtbot, store, make_panel) -> None:
    flowers = fake_run(store, "photos", FLOWERS)
    crashed = fake_run(store, "lr probe", seconds=(1.0,), status="failed", error=OOM)
    deep = fake_run(store, "deeper", with_changes(tiny_config(), model={"blocks": (2, 2), "channels": 16}))
    tagged = fake_run(store, "baseline")
    store.set_tags(tagged, ["keep"])
    store.set_notes(deep, "try a wider stem next")
    panel = make_panel()
    assert len(panel.runs()) == 4 and panel.status_label.text().startswith("4 runs · history in ")
    search = panel.filter_bar.search
    for text, expected in (
        ("flowers", ["photos"]),  # the data set
        ("WIDER stem", ["deeper"]),  # the notes, every word, any case
        ("resnet 2,2", ["deeper"]),  # the model
        ("keep", ["baseline"]),  # a tag
        ("failed", ["lr probe"]),  # the status
        ("photos", ["photos"]),  # the name
        ("nothing like this", []),
    ):
        search.setText(text)
        assert shown(panel) == expected, text
        assert panel.status_label.text().startswith(f"{len(expected)} of 4 runs shown · "), text
    search.clear()
    assert len(panel.runs()) == 4 and panel.status_label.text().startswith("4 runs · ")

    panel.filter_bar.status.setCurrentText("failed")
    assert shown(panel) == ["lr probe"]
    panel.filter_bar.status.setCurrentText("Any status")
    panel.filter_bar.tag.setCurrentText("keep")
    assert shown(panel) == ["baseline"] and panel.status_label.text().startswith("1 of 4 runs shown")
    panel.filter_bar.tag.setCurrentText("Any tag")

    # The comparison shows the selected runs that are still shown.
    panel.select_runs([flowers, deep, crashed])
    wait_for_panel(qtbot, panel)
    assert sorted(n.split(" · ")[0] for n in panel.compare.legend_names()) == ["deeper", "lr probe", "photos"]
    search.setText("photos")
    wait_for_panel(qtbot, panel)
    assert panel.selected_run_ids() == [flowers] and panel.compare.legend_names() == ["photos"]
    assert len(panel.compare.loss_curves) == 1


def test_wall_time_axis_adds_up_each_epochs_time(qtbot, store, make_panel) -> None:
    slow = fake_run(store, "slow", seconds=(30.0, 40.0, 50.0))
    fast = fake_run(store, "fast", seconds=(100.0, 100.0))
    panel = make_panel()
    panel.select_runs([slow, fast])
    wait_for_panel(qtbot, panel)
    compare = panel.compare
    assert compare.loss_plot.getAxis("bottom").labelText == "epoch"
    compare.x_axis.setCurrentText("wall time")
    for plot in (compare.loss_plot, compare.acc_plot):
        assert plot.getAxis("bottom").labelText == "wall time (min)"
    xs = {
        name: list(curve.getData()[0]) for name, curve in zip(compare.legend_names(), compare.loss_curves, strict=True)
    }
    assert xs["slow"] == pytest.approx([0.5, 70 / 60, 2.0]) and xs["fast"] == pytest.approx([100 / 60, 200 / 60])
    panel.select_runs([slow])  # the choice holds for the next selection
    wait_for_panel(qtbot, panel)
    assert list(compare.loss_curves[0].getData()[0]) == pytest.approx([0.5, 70 / 60, 2.0])
    compare.x_axis.setCurrentText("epoch")
    assert list(compare.loss_curves[0].getData()[0]) == [1, 2, 3]
    assert compare.loss_plot.getAxis("bottom").labelText == "epoch"


def test_the_time_unit_fits_the_longest_run() -> None:
    def runs(*seconds: float) -> list:
        return [("r", [EpochEnd(1, 1.0, 0.5, 0.5, s, 1.0, 0.001) for s in seconds])]

    assert time_unit(runs(20.0, 30.0)) == (1.0, "s")
    assert time_unit(runs(60.0, 60.0)) == (60.0, "min")
    assert time_unit(runs(3600.0, 3600.0)) == (3600.0, "h")
    assert time_unit([]) == (1.0, "s")


def test_following_a_background_run_by_name_skips_an_earlier_run_of_the_same_name(runs_db: Path) -> None:
    store = RunStore(runs_db)
    name = "resnet 1 · lr 0.001 · sample"
    old = fake_run(store, name)
    since = time.time()
    news: list = []
    new_id: list[int] = []

    def launched_later() -> None:
        time.sleep(0.3)
        new_id.append(fake_run(store, name, seconds=(1.0,), status="stopped"))

    writer = threading.Thread(target=launched_later)
    writer.start()
    status = follow_run(JobContext(threading.Event(), news.append), runs_db, None, name, None, 0.05, since=since)
    writer.join()
    assert status == "stopped" and {n.run_id for n in news} == {new_id[0]} and old not in new_id
