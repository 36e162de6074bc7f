"""The Results tab after a real tiny run through the window: matrix, cell images, dropped image, feature maps."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]

WAIT_MS = 30000


@pytest.fixture(autouse=True)
def _collect_qt_garbage_here() -> None:
    """Earlier tests' Qt garbage goes now, in the GUI thread, not in a background thread."""
    gc.collect()


def drop_file(target, path: Path) -> bool:
    """Drag ``path`` onto ``target`` and drop it there, as a file manager would; True if accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def test_after_a_run_the_results_tab_shows_its_matrix_images_and_model(qtbot, window, tmp_path: Path) -> None:
    results = window.results
    assert window.tabs.tabText(window.tabs.indexOf(results)) == "Results"
    window.form.set_config(tiny_config(epochs=2, batch_size=500))
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["finished"]
    qtbot.waitUntil(lambda: results.model_info is not None, timeout=WAIT_MS)
    window.tabs.setCurrentWidget(results)

    # The matrix: 1000 test images, 100 per class, its diagonal the accuracy the run reported.
    matrix = results.confusion.matrix()
    assert matrix.sum() == 1000 and matrix.sum(axis=1).tolist() == [100] * 10
    assert np.trace(matrix) / 1000 == pytest.approx(window.session.history[-1].test_acc)
    assert results.confusion.summary.text().startswith("Epoch 2: test accuracy")
    _x, y = window.plots.test_acc.curve.getData()
    assert np.trace(matrix) / 1000 == pytest.approx(y[-1])
    results.confusion.normalize_check.click()
    assert np.allclose(results.confusion.matrix().sum(axis=1), 1.0)

    # A cell's images.
    t, k = (int(i) for i in np.unravel_index(np.argmax(matrix), matrix.shape))
    table = results.confusion.table
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(results.confusion.model.index(t, k)).center()
    )
    assert results.confusion.thumbnails.count() == int(matrix[t, k])

    # An image dropped anywhere on the window is classified by the run's best checkpoint.
    assert results.model_info.label.endswith("best.pt") and results.model_info.label.startswith("run ")
    photo = tmp_path / "photo.jpg"
    Image.fromarray((np.random.default_rng(2).random((97, 131, 3)) * 255).astype(np.uint8)).save(photo)
    window.tabs.setCurrentIndex(0)
    with qtbot.waitSignal(results.inspector.prediction_ready, timeout=WAIT_MS):
        assert drop_file(window, photo)
    assert window.tabs.currentWidget() is results and results.tabs.currentWidget() is results.predict
    assert results.predict.input_image.width() == 28 and len(results.predict.top_classes()) == 5

    # Feature maps of the first stage: one tile per channel.
    with qtbot.waitSignal(results.inspector.maps_ready, timeout=WAIT_MS):
        results.tabs.setCurrentWidget(results.feature_maps)
    assert results.feature_maps.stage == "resnet_block1" and results.feature_maps.tile_count() == 8
    old_grid = results.feature_maps.grid

    # The next run starts: nothing of this run's maps stays, and a late answer for its model is dropped.
    window.form.set_config(tiny_config(epochs=1, batch_size=500))
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
        assert results.feature_maps.tile_count() == 0 and results.feature_maps.caption.text() == ""
        assert results.feature_maps.image_caption.text() == "" and results.feature_maps.stage is None
        results.inspector.maps_ready.emit(old_grid)
        assert results.feature_maps.tile_count() == 0
    qtbot.waitUntil(lambda: results.model_info is not None and results.model_info != old_grid.model, timeout=WAIT_MS)
    results.inspector.maps_ready.emit(old_grid)
    assert results.feature_maps.grid is not old_grid


def test_a_dragged_non_file_is_refused(qtbot, window) -> None:
    mime = QMimeData()
    mime.setText("just text")
    enter = QDragEnterEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_a_hidden_results_tab_draws_an_epoch_when_shown_and_a_run_end_at_once(qtbot, window) -> None:
    results = window.results
    assert window.tabs.currentWidget() is not results
    window.form.set_config(tiny_config(epochs=20, batch_size=64))
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(lambda: len(window.session.history) >= 1, timeout=RUN_TIMEOUT_MS)
        assert results.confusion.predictions is None  # an epoch's end rebuilds nothing nobody sees
        window.tabs.setCurrentWidget(results)
        assert results.confusion.predictions is not None
        assert results.confusion.summary.text().startswith("Epoch ")
    finally:
        window.session.stop()
        qtbot.waitUntil(lambda: not window.training, timeout=RUN_TIMEOUT_MS)

    window.tabs.setCurrentIndex(0)
    assert window.tabs.currentWidget() is not results
    window.form.set_config(tiny_config(epochs=2, batch_size=500))
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    shown = results.confusion.predictions
    assert shown is not None and shown.epoch == 2  # the run's last epoch, drawn when it ended
    qtbot.waitUntil(lambda: results.model_info is not None, timeout=WAIT_MS)
