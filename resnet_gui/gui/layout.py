"""Where the main window's parts sit: the banner on top, the form and run controls left, the tabs right."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QMainWindow, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

DEFAULT_SIZE = (1200, 760)
FORM_WIDTH = 380  # the settings column's width at first, or the form's minimum when that is wider


class FormScroll(QScrollArea):
    """Scrolls the form up and down, never sideways: it is never narrower than the form's narrowest
    layout (long values elide instead), so focusing a field cannot scroll the labels out of view."""

    def __init__(self, form: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(form)
        form.installEventFilter(self)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """The form's minimum width, its vertical scroll bar and the frame."""
        form = self.widget()
        extra = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        width = form.minimumSizeHint().width() if form is not None else 0
        return QSize(width + extra, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self.minimumSizeHint().width(), super().sizeHint().height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """A row shown or hidden changes what the form needs: tell the layout above."""
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)


def stacked(*widgets: QWidget) -> QWidget:
    """The widgets one above the other, the last one taking the spare height."""
    page = QWidget()
    layout = QVBoxLayout(page)
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is widgets[-1] else 0)
    return page


def arrange_window(
    window: QMainWindow,
    banner: QWidget,
    form: QWidget,
    controls: QWidget,
    tabs: QTabWidget,
    pages: Sequence[tuple[QWidget, str]],
) -> QSplitter:
    """Lay out ``window``: ``banner`` on top, then ``form`` (scrolling) over ``controls`` beside ``tabs``.

    Returns the splitter between the settings column and the tabs.
    """
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.addWidget(FormScroll(form), 1)
    left_layout.addWidget(controls)
    for page, title in pages:
        tabs.addTab(page, title)

    splitter = QSplitter()
    splitter.setObjectName("main-splitter")
    splitter.addWidget(left)
    splitter.addWidget(tabs)
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    splitter.setChildrenCollapsible(False)

    central = QWidget()
    layout = QVBoxLayout(central)
    layout.addWidget(banner)
    layout.addWidget(splitter, 1)
    window.setCentralWidget(central)
    default_layout(window, splitter)
    return splitter


def default_layout(window: QMainWindow, splitter: QSplitter) -> None:
    """The default size, with the settings column as wide as the form needs and the tabs the rest."""
    window.resize(*DEFAULT_SIZE)
    column = splitter.widget(0)
    left = max(column.minimumSizeHint().width() if column is not None else 0, FORM_WIDTH)
    splitter.setSizes([left, DEFAULT_SIZE[0] - left])
