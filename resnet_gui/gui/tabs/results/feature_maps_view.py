"""One test image inspected: where the network looked (Grad-CAM) and the activations at the output of
a chosen stage, as a grid of tiles."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...qt_compat import emit
from ...widgets import palette
from ...widgets.images import scaled_pixmap, to_qimage
from ...widgets.palette import set_tone
from .cam_view import CamPanel
from .inspection import MOSAIC_GAP, FeatureMapGrid, ModelInfo

IMAGE_PX = 112
TILE_PX = 64
MAX_MOSAIC_PX = 1600
NO_IMAGES = "Feature maps need a trained model and the test images of a run: train a run first."


class FeatureMapsView(QWidget):
    """A test-image index and a stage to choose; the chosen image, where it looked, and its activation maps."""

    request_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index_spin = QSpinBox()
        self.index_spin.setRange(0, 0)
        self.index_spin.setEnabled(False)
        self.index_spin.setToolTip("Which test image (or click a thumbnail under the confusion matrix)")
        self.index_spin.valueChanged.connect(self._on_choice_changed)
        self.stage_combo = QComboBox()
        self.stage_combo.setEnabled(False)
        self.stage_combo.setMinimumContentsLength(24)
        self.stage_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.message = QLabel(NO_IMAGES)
        self.message.setObjectName("maps-message")
        self.message.setWordWrap(True)

        self.image_label = QLabel()
        self.image_label.setFixedSize(IMAGE_PX, IMAGE_PX)
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_tone(self.image_label, "image")
        self.image_caption = QLabel("")
        self.image_caption.setWordWrap(True)
        self.image_caption.setFixedWidth(IMAGE_PX + 60)
        self.caption = QLabel("")
        self.caption.setObjectName("maps-caption")
        self.caption.setWordWrap(True)
        self.mosaic_label = QLabel()
        self.mosaic_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.mosaic_label)
        self.mosaic_image: QImage | None = None
        self.grid: FeatureMapGrid | None = None
        self.cam = CamPanel("true")
        palette.follow(self._apply_theme)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Test image #"))
        controls.addWidget(self.index_spin)
        controls.addStretch(1)
        chosen = QVBoxLayout()
        chosen.addWidget(self.image_label)
        chosen.addWidget(self.image_caption)
        chosen.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(chosen)
        top.addSpacing(12)
        top.addWidget(self.cam, 1)
        stage = QHBoxLayout()
        stage.addWidget(QLabel("<b>Feature maps</b> at"))
        stage.addWidget(self.stage_combo)
        stage.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addLayout(stage)
        layout.addWidget(self.caption)
        layout.addWidget(scroll, 1)

    @property
    def index(self) -> int:
        """The chosen test image."""
        return self.index_spin.value()

    @property
    def stage(self) -> str | None:
        """The chosen stage's layer name (None before a model is loaded)."""
        data = self.stage_combo.currentData()
        return str(data) if data is not None else None

    def set_image_count(self, count: int) -> None:
        """The number of test images to choose from (0: none yet)."""
        self.index_spin.setEnabled(count > 0)
        self.index_spin.setRange(0, max(0, count - 1))

    def set_index(self, index: int) -> None:
        """Choose test image ``index``."""
        self.index_spin.setValue(index)

    def set_stage(self, stage: str) -> None:
        """Choose the stage named ``stage`` if the model has it."""
        i = self.stage_combo.findData(stage)
        if i >= 0:
            self.stage_combo.setCurrentIndex(i)

    def set_model(self, info: ModelInfo) -> None:
        """Offer the stages of a newly loaded model, keeping the chosen one where it still exists."""
        keep = self.stage
        self.stage_combo.blockSignals(True)
        self.stage_combo.clear()
        for name, kind in info.stages:
            self.stage_combo.addItem(f"{name} · {kind}", name)
        names = [name for name, _ in info.stages]
        default = keep if keep in names else next((n for n in names if n.startswith("resnet_block")), names[0])
        self.stage_combo.setCurrentIndex(names.index(default))
        self.stage_combo.blockSignals(False)
        self.stage_combo.setEnabled(bool(names))
        self.cam.set_model(info)
        emit(self.request_changed)

    def show_image(self, image: QImage, caption: str) -> None:
        """The chosen test image and what the network made of it."""
        self.image_label.setPixmap(scaled_pixmap(image, IMAGE_PX - 4))
        self.image_caption.setText(caption)

    def show_grid(self, grid: FeatureMapGrid) -> None:
        """Show the mosaic of activation maps, each tile scaled up to about ``TILE_PX``."""
        self.grid = grid
        self.message.hide()
        self._draw_mosaic(grid, palette.current())
        h, w = grid.map_size
        self.caption.setText(
            f"{grid.stage}: {grid.maps} maps of {h}×{w} for test image #{grid.index} "
            f"({grid.model.label}). Each map is scaled to its own range: dark low, yellow high."
        )

    def _apply_theme(self, theme: palette.Theme) -> None:
        if self.grid is not None:
            self._draw_mosaic(self.grid, theme)

    def _draw_mosaic(self, grid: FeatureMapGrid, theme: palette.Theme) -> None:
        """The mosaic with the lines between maps in the theme's plot background."""
        h, w = grid.map_size
        mosaic = grid.mosaic.copy()
        rows = np.arange(mosaic.shape[0]) % (h + MOSAIC_GAP) >= h
        cols = np.arange(mosaic.shape[1]) % (w + MOSAIC_GAP) >= w
        mosaic[rows, :] = theme.plot_background
        mosaic[:, cols] = theme.plot_background
        self.mosaic_image = to_qimage(mosaic)
        scale = max(1, min(TILE_PX // max(h, w, 1), MAX_MOSAIC_PX // max(self.mosaic_image.width(), 1)))
        self.mosaic_label.setPixmap(scaled_pixmap(self.mosaic_image, self.mosaic_image.width() * scale))

    def tile_count(self) -> int:
        """Number of activation maps shown."""
        return self.grid.maps if self.grid is not None and self.mosaic_label.pixmap() is not None else 0

    def clear(self, text: str = NO_IMAGES) -> None:
        """Forget the shown image, its maps and the model's stages (a new run begins), saying ``text``."""
        self.grid, self.mosaic_image = None, None
        self.image_label.clear()
        self.image_caption.setText("")
        self.mosaic_label.clear()
        self.caption.setText("")
        self.stage_combo.blockSignals(True)
        self.stage_combo.clear()
        self.stage_combo.blockSignals(False)
        self.stage_combo.setEnabled(False)
        self.cam.set_model(None)
        self.cam.clear()
        self.set_image_count(0)
        self.show_message(text)

    def show_message(self, text: str) -> None:
        """Why there is nothing (new) to show."""
        self.message.setText(text)
        self.message.show()

    def _on_choice_changed(self) -> None:
        emit(self.request_changed)
