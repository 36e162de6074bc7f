"""Try an image: a file classified by the last trained model, shown as the network sees it with its top 5,
and where the network looked for the predicted class and for a class the user chooses."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...qt_compat import emit
from ...widgets.images import scaled_pixmap, to_qimage
from ...widgets.palette import set_tone
from .cam_view import CamPanel
from .inspection import NO_MODEL, TOP_K, ModelInfo, Prediction

PREVIEW_PX = 168
BAR_STEPS = 1000
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg);;All files (*)"


class PredictView(QWidget):
    """An "Open image…" button, the 28x28 network input, and the top classes as bars."""

    open_requested = Signal(str)
    options_changed = Signal()  # invert or crop was ticked: classify the file again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.open_button = QPushButton("Open image…")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.invert_check = QCheckBox("Invert")
        self.invert_check.setToolTip("Turn dark on light into light on dark, as the training images are")
        self.crop_check = QCheckBox("Crop to the object")
        self.crop_check.setToolTip(
            "Cut the image to what differs from its background and centre it, as the training images are"
        )
        for check in (self.invert_check, self.crop_check):
            check.toggled.connect(lambda _on: emit(self.options_changed))
        self.path = ""
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.model_label = QLabel("Model: none yet")
        self.model_label.setObjectName("predict-model")
        self.message = QLabel("")
        self.message.setObjectName("predict-message")
        self.message.setWordWrap(True)
        set_tone(self.message, "error")
        self.message.hide()

        self.input_label = QLabel()
        self.input_label.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        self.input_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_tone(self.input_label, "image")
        self.input_caption = QLabel("Network input (28×28)")
        self.input_caption.setWordWrap(True)
        self.input_caption.setMaximumWidth(PREVIEW_PX + 40)
        self.input_image: QImage | None = None
        self._cam_model: ModelInfo | None = None
        self.file_label = QLabel("")
        self.file_label.setWordWrap(True)

        self.class_labels: list[QLabel] = []
        self.bars: list[QProgressBar] = []
        top_box = QGroupBox(f"Top {TOP_K} classes")
        grid = QGridLayout(top_box)
        for i in range(TOP_K):
            name = QLabel("")
            name.setMinimumWidth(110)
            bar = QProgressBar()
            bar.setRange(0, BAR_STEPS)
            bar.setTextVisible(True)
            bar.setFormat("")
            grid.addWidget(name, i, 0)
            grid.addWidget(bar, i, 1)
            self.class_labels.append(name)
            self.bars.append(bar)
        grid.setColumnStretch(1, 1)
        self.cam = CamPanel(choose_second=True)

        top_row = QHBoxLayout()
        top_row.addWidget(self.open_button)
        top_row.addWidget(self.invert_check)
        top_row.addWidget(self.crop_check)
        top_row.addWidget(self.model_label, 1)
        left = QVBoxLayout()
        left.addWidget(self.input_label)
        left.addWidget(self.input_caption)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.file_label)
        right.addWidget(top_box)
        right.addWidget(self.cam)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addSpacing(12)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top_row)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addLayout(body, 1)
        self._clear_bars()
        self.set_model(None)

    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image to classify", "", IMAGE_FILTER)
        if path:
            emit(self.open_requested, path)

    def set_model(self, info: ModelInfo | None) -> None:
        """Name the model that will classify images and say how a file is prepared for it."""
        self.model_label.setText(f"Model: {info.label}" if info else "Model: none yet")
        if info != self._cam_model:  # a new model (each prediction names its model: keep the choices then)
            self.cam.set_model(info)
            self._cam_model = info
        if info is None:
            how = "prepared as the training images are"
        else:
            side = info.image_size
            mode = "grayscale" if info.channels == 1 else "colour"
            how = f"converted to {mode} {side}×{side}, as the training images are"
            if info.resize and info.resize != side:
                how += f" (then resized to {info.resize}×{info.resize})"
        expects = ""
        if info is not None and info.channels == 1:
            expects = (
                " The network learned from light objects on a black background, centred and filling the "
                "frame: for a photo on a light background, tick Invert and Crop to the object."
            )
        self.hint.setText(
            f"…or drop a PNG or JPEG file anywhere on the window. It is {how}, then classified by "
            f"the last finished (or stopped) run.{expects}"
        )

    def options(self) -> tuple[bool, bool]:
        """(invert, crop) as ticked."""
        return self.invert_check.isChecked(), self.crop_check.isChecked()

    def show_pending(self, path: str) -> None:
        """A file is being classified."""
        self.path = path
        self.file_label.setText(f"{Path(path).name}: classifying…")
        self.message.hide()

    def show_prediction(self, prediction: Prediction) -> None:
        """Show the network input and the top classes (or why there are none)."""
        self.input_image = to_qimage(prediction.image)
        self.input_label.setPixmap(scaled_pixmap(self.input_image, PREVIEW_PX - 8))
        self.file_label.setText(Path(prediction.path).name)
        resize = prediction.model.resize if prediction.model else 0
        side = self.input_image.width()
        resized = f", resized to {resize}×{resize} for the network" if resize and resize != side else ""
        self.input_caption.setText(f"Network input ({side}×{side}){resized}")
        if prediction.model is None:
            self._clear_bars()
            self.cam.clear()
            self.show_message(NO_MODEL)
            return
        self.set_model(prediction.model)
        self.message.hide()
        for i, (name_label, bar) in enumerate(zip(self.class_labels, self.bars, strict=False)):
            shown = i < len(prediction.top)
            name_label.setVisible(shown)
            bar.setVisible(shown)
            if shown:
                name, p = prediction.top[i]
                name_label.setText(name)
                bar.setValue(round(p * BAR_STEPS))
                bar.setFormat(f"{p:.1%}")
                bar.setProperty("probability", p)

    def show_message(self, text: str) -> None:
        """A problem (unreadable file, no model) in red above the result."""
        self.message.setText(text)
        self.message.show()
        self.file_label.setText("")

    def show_failure(self, text: str) -> None:
        """The file could not be classified: say why, and show nothing of the file before it."""
        self.show_message(text)
        self.input_image = None
        self.input_label.clear()
        self.input_caption.setText("")
        self.cam.clear()
        self._clear_bars()

    def message_text(self) -> str:
        """The message shown, or "" when none is."""
        return self.message.text() if not self.message.isHidden() else ""

    def top_classes(self) -> list[tuple[str, float]]:
        """The (class, probability) rows shown, best first."""
        return [
            (label.text(), float(bar.property("probability")))
            for label, bar in zip(self.class_labels, self.bars, strict=False)
            if not bar.isHidden()
        ]

    def _clear_bars(self) -> None:
        for label, bar in zip(self.class_labels, self.bars, strict=False):
            label.setText("")
            bar.setValue(0)
            bar.setFormat("")
            bar.hide()
            label.hide()
