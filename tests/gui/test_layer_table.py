"""The Layers tab follows the form before any training, computed off the GUI thread."""

from __future__ import annotations

import threading

from gui_helpers import CORE_TIMEOUT_MS, type_into
from PySide6.QtCore import Qt

from resnet_gui.gui.jobs import Jobs
from resnet_gui.gui.session.core import CoreLoader
from resnet_gui.gui.tabs.layers.layer_rows import COL_PARAMS, COL_SHAPE, COL_TYPE
from resnet_gui.model.resnet import build_model, count_params
from resnet_gui.settings.config import ModelConfig

# The seed's shape walk at the default 96x96 input (batch of one).
SEED_SHAPES_96 = {
    "0": "1×64×48×48",
    "3": "1×64×24×24",
    "resnet_block1": "1×64×24×24",
    "resnet_block2": "1×128×12×12",
    "resnet_block3": "1×256×6×6",
    "resnet_block4": "1×512×3×3",
    "global_avg_pool": "1×512×1×1",
    "fc": "1×10",
}


def wait_for_totals(qtbot, window, text: str) -> None:
    qtbot.waitUntil(lambda: text in window.layer_table.totals_text(), timeout=CORE_TIMEOUT_MS)


def test_default_shows_resnet18_params_and_the_seed_shapes(qtbot, window) -> None:
    wait_for_totals(qtbot, window, "11,178,378 parameters")
    table = window.layer_table
    assert "multiply-adds" in table.totals_text()
    for name, shape in SEED_SHAPES_96.items():
        assert table.row_texts(name)[COL_SHAPE] == shape, name
    assert table.row_texts("resnet_block4")[COL_PARAMS] == "8,395,264"
    top = [table.tree.topLevelItem(i).text(0) for i in range(table.tree.topLevelItemCount())]
    assert top == [
        "0",
        "1",
        "2",
        "3",
        "resnet_block1",
        "resnet_block2",
        "resnet_block3",
        "resnet_block4",
        "global_avg_pool",
        "fc",
    ]
    block4 = table.tree.topLevelItem(7)
    assert [block4.child(i).text(COL_TYPE) for i in range(block4.childCount())] == ["Residual", "Residual"]
    assert block4.child(0).text(COL_SHAPE) == "1×512×3×3"


def test_editing_blocks_updates_the_total(qtbot, window) -> None:
    wait_for_totals(qtbot, window, "11,178,378")
    expected = count_params(build_model(ModelConfig(blocks=(3, 4, 6, 3))))
    type_into(qtbot, window.form.field("model.blocks"), "3,4,6,3")
    wait_for_totals(qtbot, window, f"{expected:,} parameters")
    block3 = window.layer_table.tree.topLevelItem(6)
    assert block3.text(0) == "resnet_block3" and block3.childCount() == 6


def test_resize_changes_shapes_and_invalid_settings_are_said(qtbot, window) -> None:
    wait_for_totals(qtbot, window, "11,178,378")
    type_into(qtbot, window.form.field("data.resize"), "0")
    qtbot.waitUntil(
        lambda: window.layer_table.row_texts("resnet_block1")[COL_SHAPE] == "1×64×7×7", timeout=CORE_TIMEOUT_MS
    )
    type_into(qtbot, window.form.field("model.channels"), "abc")
    assert "invalid settings" in window.layer_table.totals_text()
    assert window.layer_table.tree.topLevelItemCount() == 0
    type_into(qtbot, window.form.field("model.channels"), "64")
    wait_for_totals(qtbot, window, "11,178,378")


def test_a_bad_training_setting_keeps_the_table(qtbot, window) -> None:
    wait_for_totals(qtbot, window, "11,178,378")
    type_into(qtbot, window.form.field("train.lr"), "abc")
    assert not window.train_button.isEnabled()
    type_into(qtbot, window.form.field("model.blocks"), "1,1")
    expected = count_params(build_model(ModelConfig(blocks=(1, 1))))
    wait_for_totals(qtbot, window, f"{expected:,} parameters")


def test_summaries_run_off_the_gui_thread_and_the_latest_request_wins(qtbot, monkeypatch) -> None:
    import resnet_gui.model.summary as summary_module

    threads: list[threading.Thread] = []
    real = summary_module.summarize

    def recording(model_cfg, shape):
        threads.append(threading.current_thread())
        return real(model_cfg, shape)

    monkeypatch.setattr(summary_module, "summarize", recording)
    jobs = Jobs()
    core = CoreLoader(jobs)
    delivered: list[object] = []
    core.summary_ready.connect(delivered.append)
    core.start()
    try:
        qtbot.waitUntil(lambda: core.info is not None, timeout=CORE_TIMEOUT_MS)
        for channels in (8, 16, 24, 32, 40):
            core.request_summary(ModelConfig(blocks=(1,), channels=channels), (1, 28, 28))
        qtbot.waitUntil(lambda: bool(delivered) and not core.busy, timeout=CORE_TIMEOUT_MS)
        qtbot.wait(300)
    finally:
        jobs.shutdown()
    assert len(delivered) == 1
    expected = count_params(build_model(ModelConfig(blocks=(1,), channels=40)))
    assert delivered[0].total_params == expected
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_blocks_expand_to_their_residuals(qtbot, window) -> None:
    wait_for_totals(qtbot, window, "11,178,378")
    window.tabs.setCurrentWidget(window.layer_table)
    block1 = window.layer_table.tree.topLevelItem(4)
    assert not block1.isExpanded()
    block1.setExpanded(True)
    assert block1.child(1).text(0) == "resnet_block1.1"
    assert block1.child(1).data(COL_PARAMS, Qt.ItemDataRole.DisplayRole) == "74,112"
