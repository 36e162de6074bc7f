"""Where it looked: Grad-CAM maps of two classes of one image coloured over it, at a chosen layer.

The first picture explains the predicted class; the second the true (or given) class, or a class
the user chooses (an image of their own has no true class). The owner asks for the maps when
``request_changed`` fires and hands the answer to ``show_pictures``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...qt_compat import emit
from ...widgets.images import scaled_pixmap, to_qimage
from ...widgets.palette import set_tone
from .explaining import CamPictures
from .inspection import ModelInfo

PICTURE_PX = 120
HOW = "Bright where the network found evidence for the class; the plain image where it found none."
DETAIL = (
    "Grad-CAM (Selvaraju et al. 2017, computed by Captum): the chosen layer's maps, each weighted by the mean "
    "gradient of the class's score over it, summed, negative parts dropped, scaled to the image."
)


class CamPanel(QWidget):
    """A layer to choose, and up to two overlays with what each explains."""

    request_changed = Signal()

    def __init__(
        self,
        second_role: str = "true",
        choose_second: bool = False,
        picture_px: int = PICTURE_PX,
        parent: QWidget | None = None,
    ) -> None:
        """``second_role`` names the second class ("true", "given"); ``choose_second``: the user picks it;
        ``picture_px``: the side of each picture."""
        super().__init__(parent)
        self.picture_px = picture_px
        self.second_role, self.choose_second = second_role, choose_second
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The layer whose maps are weighted; the last stage is Grad-CAM's usual choice")
        self.layer_combo.setEnabled(False)
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer_combo.setMinimumContentsLength(22)
        self.layer_combo.currentIndexChanged.connect(lambda _i: emit(self.request_changed))
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("The class whose evidence the second picture shows")
        self.class_combo.setVisible(choose_second)
        self.class_combo.currentIndexChanged.connect(lambda _i: emit(self.request_changed))
        self.message = QLabel("")
        self.message.setObjectName("cam-message")
        self.message.setWordWrap(True)
        set_tone(self.message, "muted")
        self.pictures: list[QLabel] = []
        self.captions: list[QLabel] = []
        self.overlays: list[QImage | None] = [None, None]
        grid = QGridLayout()
        for i in range(2):
            picture = QLabel()
            picture.setFixedSize(picture_px, picture_px)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            set_tone(picture, "image")
            caption = QLabel("")
            caption.setWordWrap(True)
            caption.setFixedWidth(picture_px + 30)
            caption.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(picture, 0, i)
            grid.addWidget(caption, 1, i)
            self.pictures.append(picture)
            self.captions.append(caption)
        grid.setColumnStretch(2, 1)
        title = QLabel("<b>Where it looked</b>")
        title.setToolTip(DETAIL)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("at"))
        controls.addWidget(self.layer_combo)
        if choose_second:
            controls.addSpacing(8)
            controls.addWidget(QLabel("and for"))
            controls.addWidget(self.class_combo)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addLayout(grid)
        self.clear()

    @property
    def layer(self) -> str | None:
        """The chosen layer (None before a model is loaded: its last stage)."""
        data = self.layer_combo.currentData()
        return str(data) if data is not None else None

    @property
    def chosen_class(self) -> int | None:
        """The class chosen for the second picture (None: not chosen by the user, or no model)."""
        data = self.class_combo.currentData() if self.choose_second else None
        return int(data) if data is not None else None

    def set_model(self, info: ModelInfo | None) -> None:
        """Offer ``info``'s layers (the last stage chosen, or the chosen one when it still exists) and classes."""
        keep = self.layer
        for combo in (self.layer_combo, self.class_combo):
            combo.blockSignals(True)
            combo.clear()
        names = [name for name, _ in info.stages] if info else []
        for name, kind in info.stages if info else ():
            self.layer_combo.addItem(f"{name} · {kind}", name)
        if names:
            self.layer_combo.setCurrentIndex(names.index(keep) if keep in names else len(names) - 1)
        for i, name in enumerate(info.class_names if info else ()):
            self.class_combo.addItem(name, i)
        for combo in (self.layer_combo, self.class_combo):
            combo.blockSignals(False)
            combo.setEnabled(bool(names))

    def choose_class(self, index: int) -> None:
        """Explain class ``index`` in the second picture (without asking for maps again)."""
        self.class_combo.blockSignals(True)
        self.class_combo.setCurrentIndex(self.class_combo.findData(index))
        self.class_combo.blockSignals(False)

    def show_pending(self) -> None:
        """Maps were asked for."""
        self.show_message("Computing where the network looked…")

    def show_pictures(self, pictures: CamPictures, true_class: int | None = None) -> None:
        """Show the overlays of ``pictures``: the first for the predicted class, the second for
        ``true_class`` (the true or given label) or the chosen class."""
        names = pictures.model.class_names
        predicted = pictures.targets[0]
        roles = ["predicted", self.second_role if true_class is not None else "chosen"]
        self.message.setText(HOW)
        for i in range(2):
            if i >= len(pictures.overlays) or (i == 1 and pictures.targets[1] == predicted):
                self._blank(i, f"{roles[1]} = predicted" if i == 1 and len(pictures.targets) > 1 else "")
                continue
            t = pictures.targets[i]
            overlay = to_qimage(pictures.overlays[i])
            self.overlays[i] = overlay
            self.pictures[i].setPixmap(scaled_pixmap(overlay, self.picture_px - 4))
            note = "" if pictures.evidence[i] else " — no evidence for it at this layer"
            self.captions[i].setText(f"{roles[i]}: {names[t]} ({float(pictures.probs[t]):.1%}){note}")

    def caption_texts(self) -> list[str]:
        """The captions under the two pictures."""
        return [c.text() for c in self.captions]

    def show_message(self, text: str) -> None:
        """Why there is nothing (new) to show."""
        self.message.setText(text)

    def clear(self, text: str = "") -> None:
        """No pictures; ``text`` says why."""
        for i in range(2):
            self._blank(i, "")
        self.message.setText(text)

    def _blank(self, i: int, caption: str) -> None:
        self.overlays[i] = None
        self.pictures[i].clear()
        self.captions[i].setText(caption)
