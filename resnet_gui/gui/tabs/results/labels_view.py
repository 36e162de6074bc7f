"""Suspicious labels: the images of the run's image folder whose label its network finds least likely.

A gallery, most suspicious first, of one split; cleanlab's likely mislabelled ones are marked ⚑.
Ticking an image and saving puts it on the folder's exclude list (a text file beside the images,
which are never moved or deleted); "Train again without them" trains the run's settings again,
and that run leaves them out and records which.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ....data.exclusions import EXCLUDE_FILE, update_exclusion
from ....errors import UserError
from ...qt_compat import emit
from ...widgets.images import scaled_pixmap, to_qimage
from ...widgets.palette import set_tone
from .cam_view import CamPanel
from .inspection import ModelInfo

if TYPE_CHECKING:
    from .explaining import ReviewResult

SPLITS = (("train", "Training images"), ("test", "Held-out test images"))
IMAGE_PX = 88
FLAG = "⚑ "
CAVEATS = {
    "train": (
        "In-sample: the run's network trained on these very images and labels, so it is slow to doubt them — "
        "a mislabelled image it has memorised ranks low here. Cross-validation (k networks, each scoring the "
        "images it did not train on) would avoid that, at k runs' cost."
    ),
    "test": "Out-of-sample: the network never trained on these images, so its doubts are its own.",
}
NEEDS_MODEL = (
    "Suspicious labels need a trained model: train a run on an image folder (or inspect one from the Runs tab)."
)


def thumb_text(given: str, p_given: float, predicted: str, p_predicted: float, flagged: bool) -> str:
    """The lines under a thumbnail: the label it has, and what the network makes of it."""
    return f"{FLAG if flagged else ''}{given} {p_given:.0%}\n→ {predicted} {p_predicted:.0%}"


class LabelsView(QWidget):
    """Find, look through, tick to exclude, save, train again."""

    review_requested = Signal(str)  # the split
    stop_requested = Signal()
    image_chosen = Signal(int)  # a position in the review
    train_again_requested = Signal(object)  # the reviewed run's RunConfig

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from .thumbnails import ThumbnailGrid

        self.result: ReviewResult | None = None
        self.model: ModelInfo | None = None
        self.split_combo = QComboBox()
        for key, label in SPLITS:
            self.split_combo.addItem(label, key)
        self.split_combo.currentIndexChanged.connect(self._on_split_changed)
        self.find_button = QPushButton("Find suspicious labels")
        self.find_button.clicked.connect(lambda: self._find())
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(lambda: emit(self.stop_requested))
        self.progress = QProgressBar()
        self.caveat = QLabel(CAVEATS["train"])
        self.caveat.setWordWrap(True)
        set_tone(self.caveat, "info-box")
        self.summary = QLabel(NEEDS_MODEL)
        self.summary.setObjectName("labels-summary")
        self.summary.setWordWrap(True)
        self.thumbnails = ThumbnailGrid(text_width=70, text_lines=3, checkable=True)
        self.thumbnails.chosen.connect(self._on_chosen)
        self.thumbnails.itemChanged.connect(self._on_ticked)
        self.image_label = QLabel()
        self.image_label.setFixedSize(IMAGE_PX, IMAGE_PX)
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_tone(self.image_label, "image")
        self.file_label = QLabel("Click an image to see it here, with where the network looked.")
        self.file_label.setWordWrap(True)
        self.cam = CamPanel("given", picture_px=96)
        self.status = QLabel("")
        self.status.setObjectName("labels-status")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save exclude list")
        self.save_button.setToolTip(f"Write the ticked images to {EXCLUDE_FILE} in the folder (no image is moved)")
        self.save_button.clicked.connect(self.save)
        self.train_button = QPushButton("Train again without them")
        self.train_button.setToolTip("Save the list, then train the reviewed run's settings again on the folder")
        self.train_button.clicked.connect(self._on_train_again)

        top = QHBoxLayout()
        top.addWidget(self.split_combo)
        top.addWidget(self.find_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.progress, 1)
        top.addStretch(1)
        side = QVBoxLayout()
        side.addWidget(self.image_label)
        side.addWidget(self.file_label)
        side.addWidget(self.cam)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.thumbnails, 1)
        body.addLayout(side)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.train_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.caveat)
        layout.addWidget(self.summary)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)
        self._set_busy(False)
        self.set_model(None)

    @property
    def split(self) -> str:
        """The split looked through: "train" or "test"."""
        return str(self.split_combo.currentData())

    def set_model(self, info: ModelInfo | None) -> None:
        """The model whose folder is reviewed (None: none yet); a new model drops the last review."""
        if info is not None and self.model is not None and info.checkpoint == self.model.checkpoint:
            return
        self.model = info
        self.cam.set_model(info)
        self.clear()
        can = info is not None and bool(info.folder)
        self.find_button.setEnabled(can)
        if info is None:
            self.summary.setText(NEEDS_MODEL)
        elif not info.folder:
            self.summary.setText(
                f"Suspicious labels are looked for in an image folder of your own (its images can then be left "
                f"out of the next run); {info.label} trained on {info.dataset}."
            )
        else:
            self.summary.setText(f"Find the images of {info.folder} whose label {info.label} finds least likely.")

    def clear(self) -> None:
        """Forget the review (a new run or model)."""
        self.result = None
        self.thumbnails.clear()
        self.image_label.clear()
        self.file_label.setText("Click an image to see it here, with where the network looked.")
        self.cam.clear()
        self.status.setText("")
        self.save_button.setEnabled(False)
        self.train_button.setEnabled(False)

    def _find(self) -> None:
        self.clear()
        self._set_busy(True)
        self.summary.setText("Scoring the images…")
        emit(self.review_requested, self.split)

    def show_progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` images scored."""
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done:,} of {total:,} images scored")

    def show_failure(self, message: str) -> None:
        """The review could not be made: say why."""
        self._set_busy(False)
        self.summary.setText(message)

    def show_review(self, result: ReviewResult) -> None:
        """The gallery of a review, most suspicious first, its excluded images ticked."""
        self._set_busy(False)
        self.result = result
        r = result.review
        names = r.class_names
        which = "training" if r.in_sample else "held-out test"
        self.summary.setText(
            f"{r.scored:,} {which} images of {result.folder} scored by {result.model.label}: cleanlab flags "
            f"{r.flagged_total:,} as likely mislabelled ({FLAG.strip()}). The {len(r.files):,} least likely labels "
            "first; under each, the label it has and the network's probability for it, then (→) the class the "
            "network sees. Tick the ones to leave out of training."
        )
        excluded = set(r.excluded)
        self.thumbnails.blockSignals(True)
        self.thumbnails.setUpdatesEnabled(False)
        self.thumbnails.clear()
        for i, f in enumerate(r.files):
            g, p = int(r.given[i]), int(r.predicted[i])
            text = thumb_text(
                names[g], float(r.given_prob[i]), names[p], float(r.predicted_prob[i]), bool(r.flagged[i])
            )
            tip = (
                f"{f}: labelled {names[g]} ({float(r.given_prob[i]):.1%}), the network says {names[p]} "
                f"({float(r.predicted_prob[i]):.1%})" + ("; cleanlab flags it" if r.flagged[i] else "")
            )
            self.thumbnails.add(r.images[i], text, tip, i, checked=f in excluded)
        self.thumbnails.setUpdatesEnabled(True)
        self.thumbnails.blockSignals(False)
        self._say_list(len(r.excluded), saved=True)
        self.train_button.setEnabled(True)

    def ticked_files(self) -> list[str]:
        """The files of the ticked thumbnails."""
        return [self.result.review.files[i] for i in self.thumbnails.checked_values()] if self.result else []

    def save(self) -> bool:
        """Write the ticked images onto the folder's exclude list and the unticked ones off it; False on failure."""
        if self.result is None:
            return False
        shown = set(self.result.review.files)
        ticked = set(self.ticked_files())
        try:
            exclusion = update_exclusion(self.result.folder, ticked, shown - ticked)
        except UserError as e:
            set_tone(self.status, "error")
            self.status.setText(str(e))
            return False
        self._say_list(exclusion.count, saved=True)
        return True

    def _say_list(self, count: int, saved: bool) -> None:
        set_tone(self.status, "")
        where = Path(self.result.folder).name if self.result else "the folder"
        if not saved:
            self.status.setText("Ticks changed: save the list (or train again) for them to count.")
        elif count:
            self.status.setText(
                f"{count} image{'s' if count != 1 else ''} of {where} on its exclude list ({EXCLUDE_FILE}): "
                "every run on the folder leaves them out."
            )
        else:
            self.status.setText(f"No image of {where} is excluded.")
        self.save_button.setEnabled(not saved)

    def _on_ticked(self, _item: QListWidgetItem) -> None:
        self._say_list(0, saved=False)

    def _on_chosen(self, position: int) -> None:
        if self.result is None:
            return
        r = self.result.review
        self.image_label.setPixmap(scaled_pixmap(to_qimage(r.images[position]), IMAGE_PX - 4))
        self.file_label.setText(r.files[position])
        self.cam.show_pending()
        emit(self.image_chosen, position)

    def _on_train_again(self) -> None:
        if self.result is not None and self.save():
            emit(self.train_again_requested, self.result.config)

    def _on_split_changed(self) -> None:
        self.caveat.setText(CAVEATS[self.split])
        if self.result is not None:
            self._find()

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.stop_button.setVisible(busy)
        self.find_button.setEnabled(not busy and self.model is not None and bool(self.model.folder))
        self.split_combo.setEnabled(not busy)
        if busy:
            self.progress.setRange(0, 0)
