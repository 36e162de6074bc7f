"""Inputs that fit a narrow settings column: a long choice is cut at its end with "…", a long
path in its middle, and the tooltip gives the whole value above the setting's help."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QStyle,
    QStyleOptionComboBox,
    QStyleOptionFrame,
    QStylePainter,
    QToolButton,
    QWidget,
)

from ..qt_compat import emit

MIN_CHARS = 10  # a box is never narrower than this many characters of its longest choice
LINE_EDIT_MARGIN = 2  # the horizontal margin QLineEdit keeps inside its contents rectangle


def full_tip(value: str, help_text: str) -> str:
    """A tooltip: the whole value, then the help."""
    if not value:
        return help_text
    return f"{value}\n\n{help_text}" if help_text else value


def home_shortened(path: str) -> str:
    """``path`` with the home folder written as ~ (the way a person reads it)."""
    home = str(Path.home())
    if home not in ("", "/") and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home) :]
    return path


class ElidedComboBox(QComboBox):
    """A box of choices whose current text ends in "…" when it does not fit; its tooltip says it whole."""

    def __init__(self, help_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._help = help_text
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(MIN_CHARS)
        self.currentTextChanged.connect(self.refresh_tip)
        self.refresh_tip()

    def set_help(self, text: str) -> None:
        """The help shown below the current choice in the tooltip."""
        self._help = text
        self.refresh_tip()

    def shown_text(self) -> str:
        """The current text as drawn: cut with "…" when wider than the box."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        return self._elided(opt)

    def _elided(self, opt: QStyleOptionComboBox) -> str:
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        width = field.width() - 2 * LINE_EDIT_MARGIN
        if not opt.currentIcon.isNull():
            width -= opt.iconSize.width() + 4
        text: str = opt.currentText
        return self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, max(width, 0))

    def refresh_tip(self, *_args: object) -> None:
        """Say the current choice in the tooltip (after a change made with signals blocked)."""
        self.setToolTip(full_tip(self.currentText(), self._help))

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """As QComboBox paints a box that is not editable, with the text elided."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        shown = self._elided(opt)
        painter = QStylePainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        opt.currentText = shown
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)
        painter.end()


class PathEdit(QLineEdit):
    """A line edit for a path: while it has no focus, a path too long to fit loses its middle to "…".

    The default shown when it is empty (the placeholder) is elided the same way; the tooltip
    always holds the whole path and the help.
    """

    def __init__(self, help_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._help = help_text
        self.textChanged.connect(self._update_tip)
        self._update_tip()

    def set_default_path(self, path: str) -> None:
        """Show ``path`` (home as ~) while the field is empty: where the app looks then."""
        self.setPlaceholderText(home_shortened(path))
        self._update_tip()

    def shown_text(self) -> str:
        """The text (or placeholder) as drawn while the field has no focus."""
        text = self.text() or self.placeholderText()
        return elided_middle(self.fontMetrics(), text, self._text_width())

    def _text_width(self) -> int:
        opt = QStyleOptionFrame()
        self.initStyleOption(opt)
        rect = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, opt, self)
        margins = self.textMargins()
        return rect.width() - margins.left() - margins.right() - 2 * LINE_EDIT_MARGIN

    def _update_tip(self, *_args: object) -> None:
        self.setToolTip(full_tip(self.text() or self.placeholderText(), self._help))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """The whole text while editing or when it fits; else the frame and the elided text."""
        text = self.text() or self.placeholderText()
        shown = self.shown_text()
        if self.hasFocus() or shown == text:
            super().paintEvent(event)
            return
        opt = QStyleOptionFrame()
        self.initStyleOption(opt)
        rect = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, opt, self)
        rect = rect.marginsRemoved(self.textMargins()).adjusted(LINE_EDIT_MARGIN, 0, -LINE_EDIT_MARGIN, 0)
        group = QPalette.ColorGroup.Normal if self.isEnabled() else QPalette.ColorGroup.Disabled
        role = QPalette.ColorRole.Text if self.text() else QPalette.ColorRole.PlaceholderText
        painter = QPainter(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelLineEdit, opt, painter, self)
        painter.setPen(self.palette().color(group, role))
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
        painter.end()


def elided_middle(metrics: QFontMetrics, text: str, width: int) -> str:
    """``text`` with its middle replaced by "…" so that it fits ``width`` pixels (unchanged when it fits)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(width, 0))


class PathField(QWidget):
    """A ``PathEdit`` with a Browse… button that picks a folder; ``browsed(path)`` after a choice."""

    browsed = Signal(str)

    def __init__(self, edit: PathEdit, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = edit
        self._title = title
        self.browse_button = QToolButton()  # a folder icon: the path keeps the room
        self.browse_button.setText("Browse…")
        self.browse_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon))
        self.browse_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.browse_button.setAccessibleName(f"Browse for the {title.lower()}")
        self.browse_button.setToolTip(f"Browse… for the {title.lower()}")
        self.browse_button.clicked.connect(self._on_browse)
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(edit, 1)
        line.addWidget(self.browse_button)

    def _on_browse(self) -> None:
        start = self.edit.text() or self.edit.placeholderText()
        folder = QFileDialog.getExistingDirectory(self, self._title, str(Path(start).expanduser()))
        if folder:
            self.edit.setText(folder)
            emit(self.browsed, folder)
