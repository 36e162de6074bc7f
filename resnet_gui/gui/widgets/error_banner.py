"""An in-window error strip: the failure in plain words, with an optional way out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ..qt_compat import emit
from .palette import set_tone


class ErrorBanner(QFrame):
    """Hidden until ``show_error``; offers "Use the bundled sample" when the data is the problem."""

    use_sample_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error-banner")
        set_tone(self, "banner")
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sample_button = QPushButton("Use the bundled sample")
        self.sample_button.clicked.connect(self._on_sample_clicked)
        self.close_button = QPushButton("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.addWidget(self.message_label, 1)
        layout.addWidget(self.sample_button)
        layout.addWidget(self.close_button)
        self.hide()

    def message(self) -> str:
        """The message on display ("" when hidden)."""
        return self.message_label.text() if not self.isHidden() else ""

    def show_error(self, message: str, offer_sample: bool = False) -> None:
        """Show ``message``; with ``offer_sample`` also the button that switches the data set."""
        self.message_label.setText(message)
        self.sample_button.setVisible(offer_sample)
        self.show()

    def _on_sample_clicked(self) -> None:
        self.hide()
        emit(self.use_sample_clicked)
