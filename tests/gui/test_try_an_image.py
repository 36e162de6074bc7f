"""Try an image: a photo on white can be inverted and cropped; a bad file leaves nothing of the last one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from resnet_gui.data.images import decode_image
from resnet_gui.gui.tabs.results.results_view import ResultsView


def _photo_on_white(path: Path) -> Path:
    img = np.full((200, 300), 255, dtype=np.uint8)
    img[60:140, 180:240] = 20  # a dark object, off centre, small in the frame
    Image.fromarray(img).save(path)
    return path


def test_invert_and_crop_make_a_photo_look_like_the_data(tmp_path: Path) -> None:
    path = _photo_on_white(tmp_path / "photo.png")
    plain = decode_image(path, 28, 1)[0]
    ready = decode_image(path, 28, 1, invert=True, crop=True)[0]
    assert plain.mean() > 200  # mostly white
    assert ready[0].mean() < 10 and ready[:, 0].mean() < 10  # black around the object, as in the data
    assert ready[10:18, 10:18].mean() > 200  # the object fills the middle


def test_a_bad_file_clears_the_previous_image_and_classes(qtbot, tmp_path: Path) -> None:
    view = ResultsView()
    qtbot.addWidget(view)
    try:
        good = _photo_on_white(tmp_path / "good.png")
        with qtbot.waitSignal(view.inspector.prediction_ready, timeout=20000):
            view.open_image(good)
        assert view.predict.input_image is not None
        bad = tmp_path / "bad.png"
        bad.write_text("not an image")
        with qtbot.waitSignal(view.inspector.prediction_failed, timeout=20000):
            view.open_image(bad)
        assert "bad.png is not a readable image" in view.predict.message_text()
        assert view.predict.input_image is None and view.predict.input_caption.text() == ""
        with qtbot.waitSignal(view.inspector.prediction_ready, timeout=20000):
            view.open_image(good)
        before = view.predict.input_image
        with qtbot.waitSignal(view.inspector.prediction_ready, timeout=20000):
            view.predict.invert_check.setChecked(True)  # ticking classifies the same file again, inverted
        assert view.predict.input_image is not None and view.predict.input_image != before
    finally:
        view.shutdown()
