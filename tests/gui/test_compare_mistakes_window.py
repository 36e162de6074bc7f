"""Compare two runs' mistakes from the Runs tab: the difference matrix and the images one run gets right
and the other wrong."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import Qt
from runs_helpers import make_panel, record_run, runs_db, select_rows, store, wait_for_panel

from resnet_gui.inference.predictions import checkpoint_predictions
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import DataConfig, RunConfig

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_two_runs_mistakes_compared_from_the_runs_tab(qtbot, make_panel, store: RunStore) -> None:
    first = record_run(store, tiny_config(epochs=1), name="slow")
    second = record_run(store, tiny_config(epochs=1, lr=0.01), name="fast")
    panel = make_panel()
    button = panel.mistakes_button
    select_rows(qtbot, panel, [first])
    assert not button.isEnabled()  # one run: nothing to compare it with
    select_rows(qtbot, panel, [second, first])
    assert panel.selected_run_ids() == [second, first] and button.isEnabled()

    dialog = panel.mistakes
    with qtbot.waitSignal(dialog.compared, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and "Scoring run" in dialog.status_label.text()
    view = dialog.view

    # The earlier run is A, the later B; the matrix is B's confusion counts minus A's.
    a = checkpoint_predictions(store.get(first).trained_checkpoint)
    b = checkpoint_predictions(store.get(second).trained_checkpoint)
    assert np.array_equal(view.matrix(), b.confusion() - a.confusion())
    assert view.runs_label.text().startswith(f"<b>A</b>: run {first} (slow), epoch 1: test accuracy {a.accuracy:.3f}")
    model = view.model
    names = a.class_names
    assert [model.headerData(i, Qt.Orientation.Vertical) for i in range(10)] == list(names)
    assert model.headerData(10, Qt.Orientation.Horizontal) == "accuracy\nB − A"
    diff = view.matrix()
    shown = [[model.index(r, c).data() for c in range(10)] for r in range(10)]
    assert shown == [[f"{v:+d}" if v else "0" for v in row] for row in diff]
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(0, 1).data(Qt.ItemDataRole.FontRole) is None

    # Whom a cell favours shows in its colour: more right answers or fewer mistakes for B is blue (B's end).
    t = int(np.diag(diff).argmax())  # the class B improves most (the faster rate learns far more in an epoch)
    assert diff[t, t] > 0
    colour = model.index(t, t).data(Qt.ItemDataRole.BackgroundRole).color()
    assert colour.blue() > colour.red()
    zero = np.argwhere(diff == 0)[0]
    neutral = model.index(*zero).data(Qt.ItemDataRole.BackgroundRole).color()
    assert (neutral.red(), neutral.green(), neutral.blue()) == model.theme.heat_low

    # The cell that differs most is chosen; its galleries show both directions.
    assert view.selected_cell is not None
    right_a = (a.predicted == a.labels) & (b.predicted != b.labels)
    right_b = (b.predicted == b.labels) & (a.predicted != a.labels)
    qtbot.mouseClick(
        view.table.viewport(), Qt.MouseButton.LeftButton, pos=view.table.visualRect(model.index(t, t)).center()
    )
    assert view.selected_cell == (t, t)
    expected_a = np.flatnonzero(right_a & (a.labels == t)).tolist()
    expected_b = np.flatnonzero(right_b & (a.labels == t)).tolist()
    assert view.a_only.values() == expected_a and view.b_only.values() == expected_b
    assert len(expected_b) - len(expected_a) == diff[t, t]
    assert view.b_title.text() == f"<b>B right, A wrong</b>: {len(expected_b)} images"
    i, item = expected_b[0], view.b_only.item(0)
    assert item.text() == (
        f"A: {names[a.predicted[i]]} {a.probs[i, a.predicted[i]]:.0%}\n"
        f"B: {names[b.predicted[i]]} {b.probs[i, b.predicted[i]]:.0%}"
    )
    assert item.toolTip().startswith(f"test image #{i}: true {names[t]}; A (run {first} (slow)) predicted")

    # Off the diagonal: images of the row's class one run gets right while the other says the column's class.
    k = int(np.argmax([abs(diff[t, c]) if c != t else -1 for c in range(10)]))
    view.select_cell(t, k)
    assert view.a_only.values() == np.flatnonzero(right_a & (a.labels == t) & (b.predicted == k)).tolist()
    assert view.b_only.values() == np.flatnonzero(right_b & (a.labels == t) & (a.predicted == k)).tolist()
    said = f"True {names[t]}: the test images one run gets right while the other says {names[k]}."
    assert view.cell_label.text() == said

    # Swapping turns it round without scoring again.
    dialog.swap_button.click()
    assert np.array_equal(view.matrix(), -diff)
    assert view.runs_label.text().startswith(f"<b>A</b>: run {second} (fast)")
    summary = view.summary.text()
    assert re.match(r"Of the same 1,000 test images, B gets [\d,]+ right that A gets wrong", summary)
    dialog.close()


def test_runs_on_other_data_are_refused_with_the_reason(qtbot, make_panel, store: RunStore) -> None:
    trained = record_run(store, tiny_config(epochs=1), name="on the sample")
    other = store.create_run(RunConfig(data=DataConfig(dataset="fashion-mnist")), "on fashion-mnist")
    panel = make_panel()
    errors: list[str] = []
    panel.error.connect(errors.append)
    dialog = panel.mistakes
    with qtbot.waitSignal(dialog.error, timeout=RUN_TIMEOUT_MS):
        dialog.compare(store.get(trained), store.get(other))
    assert errors == [
        f"Run {other} (on fashion-mnist) has no trained model: train it for at least one epoch to compare it."
    ]
    assert dialog.status_label.text() == errors[0] and dialog.view.matrix().size == 0

    # A run on other data, with a model, is refused naming both test sets.
    checkpoint = store.get(trained).trained_checkpoint
    fashion = replace(store.get(other), best_checkpoint=checkpoint)  # as if it had trained
    with qtbot.waitSignal(dialog.error, timeout=RUN_TIMEOUT_MS):
        dialog.compare(store.get(trained), fashion)
    assert dialog.status_label.text() == (
        f"run {trained} tested on sample, run {other} on fashion-mnist: their mistakes cannot be compared."
    )

    # Cancel stops the scoring and says how to start again.
    dialog.compare(store.get(trained), store.get(trained))
    qtbot.waitUntil(lambda: not dialog.busy, timeout=RUN_TIMEOUT_MS)
    assert dialog.status_label.text() == f"Choose two different runs to compare (both are run {trained})."
    dialog.compare(store.get(trained), replace(store.get(trained), id=other))
    assert dialog.cancel_button.isVisibleTo(dialog)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=RUN_TIMEOUT_MS)
    assert dialog.status_label.text() == "Cancelled: select two runs and click Compare mistakes again."
    assert not dialog.cancel_button.isVisibleTo(dialog) and dialog.view.matrix().size == 0
    dialog.close()
    wait_for_panel(qtbot, panel)
