"""The Data tab: sample images per class, class counts, skipped files, augmentation, errors, Cancel;
and a run on a folder of images showing its decoding progress."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import RUN_TIMEOUT_MS
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from resnet_gui.data import image_folder
from resnet_gui.gui.tabs.data.data_view import DataPreviewView
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]

PREVIEW_TIMEOUT_MS = 30000
CLASSES = ("ankle boots", "Ñandú ü", "日本 猫")
MODES = ("L", "RGB", "RGBA", "P", "1", "LA")
SIZES = ((20, 30), (64, 48), (33, 33), (17, 90), (40, 12))


def make_folder(root: Path, per_class: int = 10, classes: tuple[str, ...] = CLASSES, corrupt: bool = True) -> Path:
    """Class folders of small PNG and JPEG images in assorted sizes and modes, plus one corrupt file."""
    rng = np.random.default_rng(0)
    for k, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            w, h = SIZES[i % len(SIZES)]
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            pixels[..., k % 3] = 255  # each class leans to a colour, so a model can learn something
            img = Image.fromarray(pixels).convert(MODES[i % len(MODES)])
            if i % 3 == 2:
                img.convert("RGB").save(folder / f"bild ü {i}.jpg", quality=85)
            else:
                img.save(folder / f"image {i}.png")
    if corrupt:
        (root / classes[0] / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    return root


def folder_config(root: Path, image_size: int = 16, channels: int = 3, **train: object) -> RunConfig:
    """Tiny settings that train on the folder ``root`` in a second or two."""
    return RunConfig(
        model=ModelConfig(blocks=(1,), channels=8),
        data=DataConfig(dataset="folder", folder=str(root), resize=0, image_size=image_size, channels=channels),
        train=TrainConfig(
            **{
                "epochs": 1,
                "batch_size": 16,
                "precision": "fp32",  # type: ignore[arg-type]
                **train,
            }
        ),
    )


def slow_decoding(monkeypatch: pytest.MonkeyPatch, seconds: float) -> list[float]:
    """Make every image take ``seconds`` to decode, so a user has time to press Cancel or Stop.

    Returns the delay as a one-item list: set its item to 0 for full speed again.
    """
    decode = image_folder.decode_image
    delay = [seconds]

    def slow(path: Path, size: int, channels: int) -> np.ndarray:
        time.sleep(delay[0])
        return decode(path, size, channels)

    monkeypatch.setattr(image_folder, "decode_image", slow)
    return delay


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("RESNET_GUI_CACHE", str(cache))
    return cache


def wait_for_preview(qtbot, view: DataPreviewView) -> None:
    qtbot.waitUntil(
        lambda: not view.busy and (view.preview is not None or view.message() != ""), timeout=PREVIEW_TIMEOUT_MS
    )


def no_dialog() -> bool:
    return QApplication.activeModalWidget() is None


def test_the_bundled_sample_previews_itself_when_the_data_tab_opens(qtbot, window) -> None:
    view = window.data_preview
    assert window.tabs.tabText(window.tabs.indexOf(view)) == "Data"
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.preview is not None, timeout=PREVIEW_TIMEOUT_MS)
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    assert view.samples.class_labels() == names
    assert view.samples.tile_count() == 10 * 8
    assert view.chart.counts() == {name: (600, 100) for name in names}
    assert view.describe_label.text() == "6,000 training and 1,000 test images, 10 classes, 28×28 grayscale"
    assert view.augmentation_title().startswith("Augmentation: none")  # the seed trains without any
    assert view.augmentation_tiles() == 8
    assert view.skipped_section.isHidden() and view.message() == ""
    assert not view.progress_bar.isVisible() and not view.cancel_button.isEnabled()


def test_the_augmentation_example_follows_the_form(qtbot, window) -> None:
    view = window.data_preview
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.preview is not None, timeout=PREVIEW_TIMEOUT_MS)
    combo = window.form.field("train.augment")
    originals = view.preview.originals
    modes = (
        ("flip", "Augmentation: horizontal flip, "),
        ("crop+flip", "Augmentation: random crop + flip, "),
        ("flip+erase", "Augmentation: flip + random erasing, "),
    )
    for mode, title in modes:
        combo.setCurrentIndex(combo.findData(mode))
        assert view.augmentation_title().startswith(title) and view.augmentation_tiles() == 2 * 8
        after = view.preview.augmented[mode]
        assert after.shape == originals.shape and not np.array_equal(after, originals)
    for after, before in zip(view.preview.augmented["flip"], originals, strict=True):  # mirrored, or as it was
        assert np.array_equal(after, before[..., ::-1]) or np.array_equal(after, before)
    erased = view.preview.augmented["flip+erase"]
    assert ((erased == 0) & (view.preview.augmented["flip"] != 0)).any()  # the same flips, some pixels blacked out
    combo.setCurrentIndex(combo.findData("none"))
    assert view.augmentation_title().startswith("Augmentation: none") and view.augmentation_tiles() == 8


def test_a_folder_previews_its_classes_and_lists_the_unreadable_file(qtbot, window, tmp_path) -> None:
    root = make_folder(tmp_path / "my images")
    view = window.data_preview
    window.tabs.setCurrentWidget(view)
    window.form.set_config(folder_config(root))
    assert view.preview is None or view.samples.class_labels() != list(CLASSES)  # not loaded until asked
    assert "Press Preview" in view.message()
    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    wait_for_preview(qtbot, view)
    assert view.message() == ""
    assert view.samples.class_labels() == list(CLASSES)
    assert view.samples.tile_count() == 3 * 8
    assert view.chart.counts() == {name: (8, 2) for name in CLASSES}
    assert "3 classes, 16×16 colour" in view.describe_label.text()
    assert "1 unreadable file(s) skipped" in view.describe_label.text()
    assert view.skipped_section.isVisible() and "(1)" in view.skipped_section.header.text()
    skipped = view.skipped_files()
    assert len(skipped) == 1 and "broken.png" in skipped[0]
    assert str(root) in view.title_label.text()
    # Changing a data field asks for a new preview; changing the learning rate does not.
    window.form.set_config(folder_config(root, lr=0.01))
    assert view.message() == ""
    window.form.set_config(folder_config(root, image_size=20, channels=1))
    assert "Press Preview" in view.message() and "20×20 grayscale" in view.message()


def test_an_empty_class_folder_is_explained_in_the_tab(qtbot, tmp_path) -> None:
    root = make_folder(tmp_path / "data", per_class=3, corrupt=False)
    (root / "empty class").mkdir()
    view = DataPreviewView()
    qtbot.addWidget(view)
    view.show()
    view.set_data_config(DataConfig(dataset="folder", folder=str(root), image_size=16))
    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    wait_for_preview(qtbot, view)
    assert "empty class" in view.message() and "hold no images" in view.message()
    assert view.preview is None and no_dialog()
    assert view.preview_button.isEnabled() and not view.cancel_button.isEnabled()
    view.set_data_config(DataConfig(dataset="folder", folder=str(tmp_path / "missing"), image_size=16))
    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    wait_for_preview(qtbot, view)
    assert "is not a folder" in view.message()
    view.shutdown()


def test_offline_without_the_data_offers_the_sample(qtbot, window, tmp_path) -> None:
    view = window.data_preview
    window.tabs.setCurrentWidget(view)
    window.form.set_config(RunConfig(data=DataConfig(dataset="mnist", root=str(tmp_path / "nothing here"))))
    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    wait_for_preview(qtbot, view)
    assert "downloads are switched off" in view.message() and no_dialog()
    assert view.sample_button.isVisible()
    qtbot.mouseClick(view.sample_button, Qt.MouseButton.LeftButton)
    assert window.form.config().data.dataset == "sample"
    qtbot.waitUntil(lambda: view.preview is not None and view.message() == "", timeout=PREVIEW_TIMEOUT_MS)


def test_cancel_during_a_slow_decode_leaves_a_message_and_a_usable_window(qtbot, window, tmp_path, monkeypatch) -> None:
    root = make_folder(tmp_path / "slow", per_class=20)
    delay = slow_decoding(monkeypatch, 0.05)
    view = window.data_preview
    window.tabs.setCurrentWidget(view)
    window.form.set_config(folder_config(root))
    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    assert view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: "decoding images" in view.progress_bar.format(), timeout=PREVIEW_TIMEOUT_MS)
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelled" in view.message().lower()
    assert not view.progress_bar.isVisible() and not view.cancel_button.isEnabled()
    assert view.preview_button.isEnabled() and window.train_button.isEnabled() and no_dialog()
    delay[0] = 0.0  # back to full speed: the thread is free again and a new preview completes
    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.preview is not None, timeout=PREVIEW_TIMEOUT_MS)
    assert view.samples.class_labels() == list(CLASSES) and view.message() == ""


def watch_progress(window) -> tuple[QTimer, list[str]]:
    """Poll the training progress bar as a user would look at it."""
    seen: list[str] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: seen.append(window.progress.epoch_bar.format()))
    timer.start()
    return timer, seen


def test_training_on_a_folder_shows_decoding_progress_then_finishes(qtbot, window, tmp_path, monkeypatch) -> None:
    root = make_folder(tmp_path / "train me")
    slow_decoding(monkeypatch, 0.01)
    window.form.set_config(folder_config(root))
    timer, seen = watch_progress(window)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    timer.stop()
    assert finished.args == ["finished"]
    assert any(text.startswith("decoding images") and text.endswith("/31") for text in seen)
    assert window.progress.status_label.text().startswith("Finished")
    assert window.plots.epoch_points() == 1


def test_stop_while_decoding_ends_the_run_as_stopped(qtbot, window, tmp_path, monkeypatch) -> None:
    root = make_folder(tmp_path / "stop me", per_class=20)
    slow_decoding(monkeypatch, 0.05)
    window.form.set_config(folder_config(root))
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "decoding images" in window.progress.status_label.text().lower(), timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(window.run_finished, timeout=5000) as finished:
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
        assert "Stopping" in window.progress.status_label.text()
    assert finished.args == ["stopped"]
    assert window.progress.status_label.text().startswith("Stopped before training began")
    assert window.train_button.isEnabled() and not window.banner.isVisible()


def test_the_preview_fits_the_default_window_without_sideways_scrolling(qtbot, window) -> None:
    """Images, counts chart and its key all fit beside the settings column at the default size."""
    from PySide6.QtWidgets import QScrollArea

    view = window.data_preview
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.preview is not None, timeout=PREVIEW_TIMEOUT_MS)
    QApplication.processEvents()
    scroll = view.findChild(QScrollArea)
    assert scroll is not None
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
    assert not scroll.horizontalScrollBar().isVisible()
