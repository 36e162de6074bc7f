"""The Layers tab shows the memory training needs for the form's batch size, precision and optimizer."""

from __future__ import annotations

from gui_helpers import CORE_TIMEOUT_MS, RUN_TIMEOUT_MS, tiny_config, type_into
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from resnet_gui.gui.jobs import Jobs
from resnet_gui.gui.session.core import CoreLoader
from resnet_gui.gui.widgets import palette
from resnet_gui.model.memory import estimate_memory, memory_line
from resnet_gui.settings.config import ModelConfig, RunConfig, TrainConfig, with_changes
from resnet_gui.training.devices import resolve_device, resolve_precision


def wait_for_memory(qtbot, window, text: str) -> str:
    qtbot.waitUntil(lambda: text in window.layer_table.memory_text() and not window.core.busy, timeout=CORE_TIMEOUT_MS)
    return window.layer_table.memory_text()


def memory_label(window) -> QLabel:
    label = window.layer_table.findChild(QLabel, "layer-memory")
    assert label is not None
    return label


def expected_line(model: ModelConfig, shape: tuple[int, int, int], train: TrainConfig) -> str:
    device = resolve_device(train.device)
    precision = resolve_precision(train.precision, device)
    estimate = estimate_memory(
        model, shape, train.batch_size, precision, train.optimizer, train.momentum, device=device.type
    )
    return memory_line(estimate, train.batch_size, precision, train.optimizer, device.type)


def test_default_form_shows_the_estimate_below_the_table(qtbot, window) -> None:
    line = wait_for_memory(qtbot, window, "Memory for batch 256")
    assert line == expected_line(ModelConfig(), (1, 96, 96), TrainConfig())
    assert " at the peak — parameters 45 MB, gradients 45 MB, optimizer 89 MB, activations " in line
    window.tabs.setCurrentWidget(window.layer_table)
    assert memory_label(window).isVisible() and memory_label(window).text() == line


def test_batch_size_precision_and_optimizer_follow_the_form(qtbot, window) -> None:
    wait_for_memory(qtbot, window, "Memory for batch 256")
    type_into(qtbot, window.form.field("train.batch_size"), "64")
    line = wait_for_memory(qtbot, window, "Memory for batch 64 (")
    assert line == expected_line(ModelConfig(), (1, 96, 96), TrainConfig(batch_size=64))
    cfg = with_changes(RunConfig(), train={"batch_size": 128, "precision": "fp32", "optimizer": "sgd"})
    window.form.set_config(cfg)
    line = wait_for_memory(qtbot, window, "Memory for batch 128 (fp32, SGD, ")
    assert line == expected_line(ModelConfig(), (1, 96, 96), cfg.train)
    assert "optimizer 45 MB" in line  # SGD's momentum: one tensor per parameter


def test_a_run_that_cannot_fit_is_marked(qtbot, window) -> None:
    window.form.set_config(with_changes(RunConfig(), data={"resize": 512}, train={"batch_size": 65536}))
    line = wait_for_memory(qtbot, window, "Memory for batch 65,536")
    assert "free here: training would be refused" in line
    assert palette.current().error_text in memory_label(window).styleSheet()
    window.form.set_config(RunConfig())
    line = wait_for_memory(qtbot, window, "Memory for batch 256")
    assert "refused" not in line and palette.current().error_text not in memory_label(window).styleSheet()


def test_invalid_settings_clear_the_line(qtbot, window) -> None:
    wait_for_memory(qtbot, window, "Memory for batch 256")
    type_into(qtbot, window.form.field("train.lr"), "abc")  # the table stays; the estimate has no settings
    qtbot.waitUntil(lambda: window.layer_table.memory_text() == "" and not window.core.busy, timeout=CORE_TIMEOUT_MS)
    assert "11,178,378 parameters" in window.layer_table.totals_text()
    type_into(qtbot, window.form.field("train.lr"), "0.001")
    wait_for_memory(qtbot, window, "Memory for batch 256")
    type_into(qtbot, window.form.field("model.channels"), "0")
    qtbot.waitUntil(lambda: window.layer_table.memory_text() == "", timeout=CORE_TIMEOUT_MS)


def test_the_loader_returns_the_estimate_with_the_summary(qtbot) -> None:
    jobs = Jobs()
    core = CoreLoader(jobs)
    summaries: list[object] = []
    reports: list[object] = []
    core.summary_ready.connect(summaries.append)
    core.memory_ready.connect(reports.append)
    core.start()
    model = ModelConfig(blocks=(1,), channels=8)
    train = TrainConfig(batch_size=32, precision="fp32", device="cpu")
    try:
        qtbot.waitUntil(lambda: core.info is not None, timeout=CORE_TIMEOUT_MS)
        core.request_summary(model, (1, 28, 28), train)
        qtbot.waitUntil(lambda: bool(reports) and not core.busy, timeout=CORE_TIMEOUT_MS)
        core.request_summary(model, (1, 28, 28))
        qtbot.waitUntil(lambda: len(reports) == 2 and not core.busy, timeout=CORE_TIMEOUT_MS)
    finally:
        jobs.shutdown()
    first, second = reports
    assert first.summary is summaries[0] and first.fits
    assert first.estimate == estimate_memory(model, (1, 28, 28), 32, "fp32", "adam", device="cpu")
    assert first.memory_line == expected_line(model, (1, 28, 28), train)
    assert second.estimate is None and second.memory_line == "" and second.summary is summaries[1]


def test_training_what_cannot_fit_fails_with_the_estimate_and_the_window_lives_on(qtbot, window) -> None:
    # Such runs used to take all the machine's memory, and the window with them.
    window.form.set_config(with_changes(tiny_config(), data={"resize": 512}, train={"batch_size": 65536}))
    wait_for_memory(qtbot, window, "training would be refused")
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["failed"]
    message = window.banner.message()
    assert "Out of memory on cpu at batch size 65536 and 512 px: this run needs about " in message
    assert "lower the batch size" in message and "Traceback" not in message
    window.form.set_config(tiny_config())
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["finished"]
