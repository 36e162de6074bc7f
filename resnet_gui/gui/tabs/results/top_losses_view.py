"""Top losses: the test images the network got most confidently wrong, lowest probability of the true class first."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ....inference.metrics import top_losses
from ...qt_compat import emit
from .confusion_view import Predictions
from .thumbnails import ThumbnailGrid

DEFAULT_SHOWN = 60
MAX_SHOWN = 400
EMPTY_TEXT = "The test images the network gets most confidently wrong appear here after the first epoch of a run."


def label_text(predicted: str, p_predicted: float, true: str, p_true: float) -> str:
    """The two lines under a thumbnail: what the network said, and what it is."""
    return f"{predicted} {p_predicted:.0%}\ntrue: {true} {p_true:.0%}"


class TopLossesView(QWidget):
    """How many to show, and the gallery; clicking one inspects it (``image_clicked`` with its test index)."""

    image_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.predictions: Predictions | None = None
        self._title = ""
        self.summary = QLabel(EMPTY_TEXT)
        self.summary.setObjectName("top-losses-summary")
        self.summary.setWordWrap(True)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, MAX_SHOWN)
        self.count_spin.setValue(DEFAULT_SHOWN)
        self.count_spin.setToolTip("How many of the wrong answers to show, worst first")
        self.count_spin.valueChanged.connect(self._refresh)
        how = QLabel(
            "Worst first: the lowest probability given to the true class (the highest loss, −ln p). Under each: "
            "the predicted class and its probability, then the true class and its. "
            "Click one to see where the network looked."
        )
        how.setWordWrap(True)
        self.thumbnails = ThumbnailGrid(text_width=84, text_lines=3)
        self.thumbnails.chosen.connect(lambda index: emit(self.image_clicked, index))
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("Show"))
        top.addWidget(self.count_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(how)
        layout.addWidget(self.thumbnails, 1)

    def show_predictions(self, predictions: Predictions, title: str = "") -> None:
        """Show the worst answers of an epoch's test predictions (``title`` says whose, default "Epoch N")."""
        self.predictions = predictions
        self._title = title or f"Epoch {predictions.epoch}"
        self._refresh()

    def clear(self, text: str = EMPTY_TEXT) -> None:
        """No predictions; ``text`` says why."""
        self.predictions = None
        self.thumbnails.clear()
        self.summary.setText(text)

    def shown_indices(self) -> list[int]:
        """The test indices of the thumbnails, in order."""
        return self.thumbnails.values()

    def _refresh(self) -> None:
        p = self.predictions
        if p is None:
            return
        indices = top_losses(p.probs, p.labels, p.predicted, self.count_spin.value())
        wrong = int((p.labels != p.predicted).sum())
        names = p.class_names
        entries = []
        for i in (int(i) for i in indices):
            t, k = int(p.labels[i]), int(p.predicted[i])
            pt, pk = float(p.probs[i, t]), float(p.probs[i, k])
            loss = -math.log(max(pt, 1e-12))
            tip = f"test image #{i}: predicted {names[k]} ({pk:.1%}), true {names[t]} ({pt:.1%}); loss {loss:.2f}"
            entries.append((p.images[i], label_text(names[k], pk, names[t], pt), tip, i))
        self.thumbnails.fill(entries)
        shown = f"the {len(indices)} worst" if len(indices) < wrong else "all"
        self.summary.setText(f"{self._title}: {wrong:,} of {len(p.labels):,} test images wrong; showing {shown}.")
