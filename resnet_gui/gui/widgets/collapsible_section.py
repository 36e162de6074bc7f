"""A titled section whose body folds away under a click on its header."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..qt_compat import emit
from .palette import set_tone


class CollapsibleSection(QWidget):
    """A bold header with an arrow and a form body; ``toggled(expanded)`` when it folds or unfolds."""

    toggled = Signal(bool)

    def __init__(self, title: str, expanded: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._header = QToolButton()
        self._header.setObjectName(f"section:{title}")
        self._header.setText(title)
        self._header.setCheckable(True)
        self._header.setChecked(expanded)
        self._header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        set_tone(self._header, "section")
        self._header.toggled.connect(self._on_header_toggled)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self._body = QWidget()
        self.form = QFormLayout(self._body)
        self.form.setContentsMargins(8, 2, 0, 6)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._header)
        layout.addWidget(line)
        layout.addWidget(self._body)
        self._update_body()

    @property
    def title(self) -> str:
        """The header text."""
        return self._header.text()

    @property
    def header(self) -> QToolButton:
        """The clickable header (for tests)."""
        return self._header

    def is_expanded(self) -> bool:
        """True while the body shows."""
        return self._header.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        """Fold or unfold the body."""
        self._header.setChecked(expanded)

    def _on_header_toggled(self, expanded: bool) -> None:
        self._update_body()
        emit(self.toggled, expanded)

    def _update_body(self) -> None:
        expanded = self._header.isChecked()
        self._header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self._body.setVisible(expanded)
