"""Score runs together from the Runs tab: their networks' answers averaged, beside each network's own accuracy."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import Qt
from runs_helpers import make_panel, record_run, runs_db, select_rows, store, wait_for_panel

from resnet_gui.inference.predictions import checkpoint_predictions
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import DataConfig, RunConfig

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_three_runs_scored_together_from_the_runs_tab(qtbot, make_panel, store: RunStore) -> None:
    runs = [record_run(store, tiny_config(epochs=1, seed=seed), name=f"seed {seed}") for seed in (0, 1, 2)]
    panel = make_panel()
    button = panel.ensemble_button
    select_rows(qtbot, panel, runs[:1])
    assert not button.isEnabled()  # one run is no ensemble
    select_rows(qtbot, panel, runs)
    assert button.isEnabled()

    dialog = panel.ensemble
    with qtbot.waitSignal(dialog.scored, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and dialog.status_label.text().startswith("Scoring runs")

    # The answer is the mean of the three networks' class probabilities, worked out here from each alone.
    alone = [checkpoint_predictions(store.get(r).trained_checkpoint) for r in runs]
    mean = np.mean([a.probs for a in alone], axis=0)
    together = float((mean.argmax(axis=1) == alone[0].labels).mean())
    best = max(a.accuracy for a in alone)
    text = dialog.summary.text()
    assert text.startswith(f"<b>Together: {together:.4f}</b> on 1,000 test images, ")
    assert f"{abs(together - best):.4f} against the best of them alone" in text
    table = dialog.table
    shown = {
        int(table.item(row, 0).text()): (table.item(row, 1).text(), table.item(row, 3).text())
        for row in range(table.rowCount())
    }
    assert shown == {r: (f"seed {s}", f"{a.accuracy:.4f}") for r, s, a in zip(runs, (0, 1, 2), alone, strict=True)}
    assert table.item(0, 2).text() == "1"  # the epoch its checkpoint holds
    dialog.close()
    wait_for_panel(qtbot, panel)


def test_runs_that_cannot_be_scored_together_are_refused_with_the_reason(qtbot, make_panel, store: RunStore) -> None:
    trained = record_run(store, tiny_config(epochs=1), name="on the sample")
    untrained = store.create_run(RunConfig(data=DataConfig(dataset="fashion-mnist")), "on fashion-mnist")
    panel = make_panel()
    errors: list[str] = []
    panel.error.connect(errors.append)
    dialog = panel.ensemble
    with qtbot.waitSignal(dialog.error, timeout=RUN_TIMEOUT_MS):
        dialog.score([store.get(trained), store.get(untrained)])
    assert errors == [
        f"Run {untrained} (on fashion-mnist) has no trained model: train it for at least one epoch to compare it."
    ]
    assert dialog.status_label.text() == errors[0] and dialog.table.rowCount() == 0
    with qtbot.waitSignal(dialog.error, timeout=RUN_TIMEOUT_MS):
        dialog.score([store.get(trained), store.get(trained)])
    assert dialog.status_label.text() == "Select at least two different trained runs to score together."
    dialog.close()
    wait_for_panel(qtbot, panel)
