"""The Results tab's views on a real tiny trained model: confusion matrix, try an image, feature maps."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import tiny_config
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from resnet_gui.gui.tabs.results.inspection import NO_MODEL, ModelSource
from resnet_gui.gui.tabs.results.results_view import ResultsView

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]

WAIT_MS = 30000


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """One epoch on the bundled sample: (its last EpochPredictions, the last checkpoint, the history)."""
    import torch

    from resnet_gui.training.engine import fit
    from resnet_gui.training.events import EpochPredictions

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    reports: list[EpochPredictions] = []
    try:
        result = fit(
            tiny_config(epochs=1, batch_size=500),
            callbacks=[lambda e: reports.append(e) if isinstance(e, EpochPredictions) else None],
            checkpoint_dir=tmp_path_factory.mktemp("ckpt"),
        )
    finally:
        torch.set_num_threads(before)
    return reports[-1], result.last_checkpoint, result.history


@pytest.fixture
def view(qtbot) -> Iterator[ResultsView]:
    gc.collect()  # earlier tests' Qt garbage goes now, in this thread, not in the inspection thread
    v = ResultsView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()


def with_model(qtbot, view: ResultsView, trained) -> None:
    predictions, checkpoint, _ = trained
    view.show_predictions(predictions)
    with qtbot.waitSignal(view.inspector.model_ready, timeout=WAIT_MS):
        view.set_model_source(ModelSource(checkpoint=checkpoint, class_names=predictions.class_names))


def click_cell(qtbot, view: ResultsView, row: int, column: int) -> None:
    table = view.confusion.table
    rect = table.visualRect(view.confusion.model.index(row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def shown_cell_texts(view: ResultsView) -> list[list[str]]:
    model = view.confusion.model
    n = len(model.class_names)
    return [[model.index(r, c).data() for c in range(n)] for r in range(n)]


def test_matrix_counts_add_up_and_match_the_accuracy(view, trained) -> None:
    predictions, _, history = trained
    view.show_predictions(predictions)
    counts = np.array([[int(t) for t in row] for row in shown_cell_texts(view)])
    assert counts.sum() == 1000
    assert counts.sum(axis=1).tolist() == [100] * 10
    assert np.trace(counts) / 1000 == pytest.approx(history[-1].test_acc)
    assert f"test accuracy {history[-1].test_acc:.3f}" in view.confusion.summary.text()
    assert "views" not in view.confusion.summary.text()  # one view of each image: nothing to say
    view.show_predictions(replace(predictions, views=10))  # scored with test-time flips and shifts
    assert view.confusion.summary.text().endswith(" of 1,000 test images, 10 views of each)")
    model = view.confusion.model
    headers = [model.headerData(c, Qt.Orientation.Vertical) for c in range(10)]
    assert headers[0] == "T-shirt/top" and headers[9] == "Ankle boot"
    assert model.headerData(10, Qt.Orientation.Horizontal) == "accuracy"
    shown_acc = [model.index(r, 10).data() for r in range(10)]
    assert shown_acc == [f"{counts[r, r] / 100:.1%}" for r in range(10)]


def test_fractions_per_row_sum_to_one(view, trained) -> None:
    view.show_predictions(trained[0])
    view.confusion.normalize_check.click()
    texts = shown_cell_texts(view)
    assert all("." in t for row in texts for t in row)
    assert np.allclose(view.confusion.matrix().sum(axis=1), 1.0)
    assert np.allclose([sum(float(t) for t in row) for row in texts], 1.0, atol=0.06)
    view.confusion.normalize_check.click()
    assert view.confusion.matrix().sum() == 1000


def test_clicking_a_cell_shows_its_images_with_their_probabilities(qtbot, view, trained) -> None:
    predictions = trained[0]
    view.show_predictions(predictions)
    counts = predictions.confusion()
    off = counts - np.diag(np.diag(counts))
    t, k = (int(i) for i in np.unravel_index(np.argmax(off), off.shape))
    assert counts[t, k] > 0
    click_cell(qtbot, view, t, k)
    thumbs = view.confusion.thumbnails
    assert thumbs.count() == counts[t, k]
    first = int(thumbs.item(0).data(Qt.ItemDataRole.UserRole))
    assert predictions.labels[first] == t and predictions.predicted[first] == k
    assert thumbs.item(0).text() == f"{predictions.probs[first, k]:.2f} / {predictions.probs[first, t]:.2f}"
    assert f"predicted as {predictions.class_names[k]}: {counts[t, k]} test images" in view.confusion.cell_label.text()
    click_cell(qtbot, view, t, t)
    assert thumbs.count() == counts[t, t]
    click_cell(qtbot, view, t, 10)  # the accuracy column is not a cell of images
    assert thumbs.count() == counts[t, t]


def test_an_rgb_jpeg_of_odd_size_gets_a_28px_input_and_a_sorted_top5(qtbot, view, trained, tmp_path: Path) -> None:
    with_model(qtbot, view, trained)
    path = tmp_path / "photo.jpg"
    Image.fromarray((np.random.default_rng(1).random((301, 203, 3)) * 255).astype(np.uint8)).save(path)
    with qtbot.waitSignal(view.inspector.prediction_ready, timeout=WAIT_MS):
        view.open_image(path)
    page = view.predict
    assert view.tabs.currentWidget() is page
    assert (page.input_image.width(), page.input_image.height()) == (28, 28)
    assert page.input_image.format() == QImage.Format.Format_Grayscale8
    top = page.top_classes()
    assert len(top) == 5 and {name for name, _ in top} <= set(trained[0].class_names)
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.0 + 1e-6
    assert [bar.text() for bar in page.bars] == [f"{p:.1%}" for p in probs]
    assert page.message_text() == "" and page.file_label.text() == "photo.jpg"


def test_a_junk_file_says_so_in_the_window(qtbot, view, trained, tmp_path: Path) -> None:
    with_model(qtbot, view, trained)
    junk = tmp_path / "notes.png"
    junk.write_bytes(b"this is not a picture")
    with qtbot.waitSignal(view.inspector.prediction_failed, timeout=WAIT_MS):
        view.open_image(junk)
    assert "notes.png is not a readable image" in view.predict.message_text()
    assert view.predict.message.isVisible()


def test_without_a_trained_model_the_image_is_shown_with_a_message(qtbot, view, tmp_path: Path) -> None:
    path = tmp_path / "gray.png"
    Image.fromarray(np.full((40, 50), 200, dtype=np.uint8)).save(path)
    with qtbot.waitSignal(view.inspector.prediction_ready, timeout=WAIT_MS):
        view.open_image(path)
    assert view.predict.message_text() == NO_MODEL
    assert view.predict.input_image.width() == 28 and view.predict.top_classes() == []


def test_feature_maps_show_one_tile_per_channel(qtbot, view, trained) -> None:
    with_model(qtbot, view, trained)
    maps = view.feature_maps
    assert maps.stage == "resnet_block1"
    assert [maps.stage_combo.itemData(i) for i in range(maps.stage_combo.count())][-1] == "resnet_block1"
    with qtbot.waitSignal(view.inspector.maps_ready, timeout=WAIT_MS):
        view.tabs.setCurrentWidget(maps)
    assert maps.tile_count() == 8  # tiny_config: 8 channels
    assert maps.caption.text().startswith("resnet_block1: 8 maps of 7×7 for test image #0")
    with qtbot.waitSignal(view.inspector.maps_ready, timeout=WAIT_MS):
        maps.set_stage("0")  # the stem's 7x7 convolution
    assert maps.tile_count() == 8 and "14×14" in maps.caption.text()


def test_clicking_a_thumbnail_shows_that_images_feature_maps(qtbot, view, trained) -> None:
    with_model(qtbot, view, trained)
    predictions = trained[0]
    t = int(np.argmax(np.diag(predictions.confusion())))
    view.confusion.select_cell(t, t)
    item = view.confusion.thumbnails.item(1)
    index = int(item.data(Qt.ItemDataRole.UserRole))
    rect = view.confusion.thumbnails.visualItemRect(item)
    with qtbot.waitSignal(view.inspector.maps_ready, timeout=WAIT_MS) as ready:
        qtbot.mouseClick(
            view.confusion.thumbnails.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(rect.center().x(), rect.center().y()),
        )
    assert view.tabs.currentWidget() is view.feature_maps
    assert view.feature_maps.index == index and ready.args[0].index == index
    assert view.feature_maps.image_caption.text().startswith(f"#{index}: true {predictions.class_names[t]}")


def test_a_colour_model_gets_a_colour_input_of_its_data_sets_size(qtbot, view, tmp_path: Path) -> None:
    import torch

    from resnet_gui.data.datasets import DataSet
    from resnet_gui.settings.config import with_changes
    from resnet_gui.training.engine import fit

    g = torch.Generator().manual_seed(0)
    data = DataSet(
        "folder",
        torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8, generator=g),
        torch.arange(64) % 3,
        torch.randint(0, 256, (12, 3, 32, 32), dtype=torch.uint8, generator=g),
        torch.arange(12) % 3,
        ("cat", "dog", "fox"),
    )
    cfg = with_changes(
        tiny_config(epochs=1, batch_size=32), data={"dataset": "folder", "folder": str(tmp_path), "image_size": 32}
    )
    result = fit(cfg, data=data, checkpoint_dir=tmp_path / "ckpt")
    with qtbot.waitSignal(view.inspector.model_ready, timeout=WAIT_MS) as ready:
        view.set_model_source(ModelSource(checkpoint=result.last_checkpoint, class_names=data.class_names))
    assert (ready.args[0].channels, ready.args[0].image_size) == (3, 32)
    assert "converted to colour 32×32" in view.predict.hint.text()
    path = tmp_path / "gray.png"
    Image.fromarray(np.full((40, 50), 90, dtype=np.uint8)).save(path)
    with qtbot.waitSignal(view.inspector.prediction_ready, timeout=WAIT_MS):
        view.open_image(path)
    image = view.predict.input_image
    assert (image.width(), image.height()) == (32, 32) and image.format() == QImage.Format.Format_RGB888
    top = view.predict.top_classes()
    assert sorted(name for name, _ in top) == ["cat", "dog", "fox"]
    assert sum(p for _, p in top) == pytest.approx(1.0, abs=1e-5)
