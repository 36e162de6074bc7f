"""Helpers of the Runs-tab tests: a private run store per test and runs recorded without the window.

Test modules import the fixtures ``runs_db`` (autouse: a run history of the test's own) and
``window`` (the conftest window, torn down with the garbage collector paused).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import Qt

from resnet_gui.gui.tabs.runs.runs_panel import RunsPanel
from resnet_gui.gui.tabs.runs.runs_table import RUN_ID_ROLE
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig
from resnet_gui.training.engine import fit
from resnet_gui.training.events import EpochEnd, RunEnd


def record_run(store: RunStore, cfg: RunConfig | None = None, name: str | None = None) -> int:
    """Train ``cfg`` (a tiny run by default) to the end, recorded in ``store``; returns its id."""
    cfg = cfg or tiny_config()
    run_id = store.create_run(cfg, name)
    fit(cfg, callbacks=[store.recorder(run_id)], report_every_s=0, checkpoint_dir=store.get(run_id).checkpoint_dir)
    return run_id


def fake_run(
    store: RunStore,
    name: str,
    cfg: RunConfig | None = None,
    seconds: tuple[float, ...] = (1.0, 1.0),
    status: str = "finished",
    error: str = "",
) -> int:
    """A run recorded without training: one epoch per entry of ``seconds`` (its duration), then ``status``."""
    run_id = store.create_run(cfg or tiny_config(), name)
    recorder = store.recorder(run_id)
    for epoch, took in enumerate(seconds, start=1):
        recorder(EpochEnd(epoch, 1.0 / epoch, 0.5, 0.5 + epoch / 100, took, 1000.0, 0.001))
    if status == "failed":
        store.finish(run_id, "failed", error)
    elif status != "running":
        recorder(RunEnd(status, len(seconds)))
    return run_id


def wait_for_panel(qtbot, panel, timeout: int = RUN_TIMEOUT_MS) -> None:
    """Until the panel has read the store and shown the selection's details."""
    qtbot.waitUntil(lambda: bool(panel.db_path) and not panel.busy, timeout=timeout)


def refreshed(qtbot, panel) -> None:
    """Refresh the panel from the store and wait until it has been redrawn."""
    with qtbot.waitSignal(panel.refreshed, timeout=RUN_TIMEOUT_MS):
        panel.refresh()
    wait_for_panel(qtbot, panel)


def table_texts(panel, run_id: int) -> dict[str, str]:
    """The row of ``run_id`` as the user reads it: column title -> cell text."""
    model = panel.proxy
    for row in range(model.rowCount()):
        if model.index(row, 0).data(RUN_ID_ROLE) == run_id:
            return {
                model.headerData(c, Qt.Orientation.Horizontal): model.index(row, c).data()
                for c in range(model.columnCount())
            }
    raise KeyError(f"run {run_id} is not in the table")


def db_path(tmp_path: Path) -> Path:
    """This test's run history."""
    return tmp_path / "runs" / "runs.sqlite"


def settle_garbage() -> None:
    """Collect garbage now, then pause the collector until ``runs_db`` is torn down.

    When a window's Python object dies, PySide6 disconnects its slots while holding Qt's
    connection lock; a garbage collection that starts inside that disconnect and frees another
    QObject then waits on the same lock forever (seen with PySide6 6.12 as a hung test
    teardown). With nothing left to collect and the collector paused, the window dies safely.
    """
    gc.collect()
    gc.disable()


@pytest.fixture(autouse=True)
def runs_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A run history of this test's own, which the window's worker and Runs tab use too."""
    path = db_path(tmp_path)
    monkeypatch.setenv("RESNET_GUI_RUNS", str(path))
    was_enabled = gc.isenabled()  # off: the session's guard collects in the GUI thread instead
    yield path
    if was_enabled:
        gc.enable()


@pytest.fixture
def store(runs_db: Path) -> RunStore:
    """This test's run history, opened here."""
    return RunStore(runs_db)


@pytest.fixture
def make_panel(qtbot, runs_db: Path) -> Iterator[Callable[[], RunsPanel]]:
    """Makes Runs panels on this test's history, shown and filled; shut down after the test."""
    panels: list[RunsPanel] = []

    def make() -> RunsPanel:
        panel = RunsPanel(str(runs_db))
        qtbot.addWidget(panel)
        panel.resize(1100, 750)
        panel.show()
        wait_for_panel(qtbot, panel)
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.shutdown()
    settle_garbage()


@pytest.fixture
def window(window):
    """The conftest window, whose teardown runs with the garbage collector paused."""
    yield window
    settle_garbage()


def select_rows(qtbot, panel, run_ids: list[int]) -> None:
    """Click the runs' rows, the later ones with Ctrl held, as a user selects several runs."""
    for n, run_id in enumerate(run_ids):
        row = next(r for r in range(panel.proxy.rowCount()) if panel.proxy.index(r, 0).data(RUN_ID_ROLE) == run_id)
        rect = panel.table.visualRect(panel.proxy.index(row, 0))
        modifier = Qt.KeyboardModifier.ControlModifier if n else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
