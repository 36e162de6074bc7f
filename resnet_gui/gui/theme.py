"""Which theme the app shows: the desktop's colour scheme, or light or dark as chosen in the View menu.

``apply_theme(app, choice)`` sets Qt's palette and the current theme of ``widgets.palette`` (which
re-colours the plots, the diagram and the rest); with "system" it follows
``QStyleHints.colorScheme`` (an unknown scheme is light) and its ``colorSchemeChanged`` signal.
The choice is remembered in QSettings under ``view/theme``; a missing or unknown value is "system".
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from .qt_compat import emit
from .widgets import palette
from .widgets.palette import Theme

THEME_KEY = "view/theme"
CHOICES = ("system", "light", "dark")
DEFAULT_CHOICE = "system"


def stored_choice(settings: QSettings | None) -> str:
    """The theme remembered in ``settings``: "system", "light" or "dark" (missing or unknown: "system")."""
    value = settings.value(THEME_KEY) if settings is not None else None
    return value if isinstance(value, str) and value in CHOICES else DEFAULT_CHOICE


def save_choice(settings: QSettings | None, choice: str) -> None:
    """Remember ``choice`` in ``settings``."""
    if settings is not None:
        settings.setValue(THEME_KEY, choice)
        settings.sync()


def scheme_theme(scheme: Qt.ColorScheme) -> Theme:
    """The theme of a desktop colour scheme: dark for Dark, light for Light and Unknown."""
    return palette.DARK if scheme == Qt.ColorScheme.Dark else palette.LIGHT


def qt_palette(theme: Theme) -> QPalette:
    """Qt's palette for ``theme``, so every widget matches the hand-coloured parts."""
    ui = theme.ui
    result = QPalette(QColor(ui.button), QColor(ui.window))
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, ui.window),
        (roles.WindowText, ui.window_text),
        (roles.Base, ui.base),
        (roles.AlternateBase, ui.alternate_base),
        (roles.Text, ui.text),
        (roles.Button, ui.button),
        (roles.ButtonText, ui.button_text),
        (roles.Highlight, ui.highlight),
        (roles.HighlightedText, ui.highlighted_text),
        (roles.ToolTipBase, ui.tooltip_base),
        (roles.ToolTipText, ui.tooltip_text),
        (roles.Link, ui.link),
        (roles.PlaceholderText, ui.placeholder),
        (roles.Mid, ui.mid),
    ):
        result.setColor(role, QColor(color))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(ui.disabled_text))
    return result


class ThemeState(QObject):
    """The choice in force; follows the desktop's scheme changes while the choice is "system"."""

    choice_changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.choice = DEFAULT_CHOICE

    def on_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        """The desktop's colour scheme changed (``QStyleHints.colorSchemeChanged``)."""
        app = QApplication.instance()
        if self.choice == "system" and isinstance(app, QApplication):
            _show(app, scheme_theme(scheme))


_state: ThemeState | None = None


def theme_state(app: QGuiApplication) -> ThemeState:
    """The app's one ``ThemeState`` (its ``choice_changed`` keeps the View menu's check marks right)."""
    global _state
    if _state is None:
        _state = ThemeState()
        app.styleHints().colorSchemeChanged.connect(_state.on_scheme_changed)
    return _state


def _show(app: QApplication, theme: Theme) -> None:
    app.setPalette(qt_palette(theme))
    palette.set_current(theme)


def current_choice() -> str:
    """The choice in force: "system", "light" or "dark"."""
    return _state.choice if _state is not None else DEFAULT_CHOICE


def apply_theme(app: QApplication, choice: str) -> Theme:
    """Show the app in ``choice`` ("system", "light" or "dark"; anything else is "system"); returns the theme.

    A forced scheme is also asked of Qt (``QStyleHints.setColorScheme``) for the parts the desktop
    draws, such as title bars, where the platform supports it.
    """
    choice = choice if choice in CHOICES else DEFAULT_CHOICE
    state = theme_state(app)
    changed, state.choice = choice != state.choice, choice  # before the hints, which may signal a change
    hints = app.styleHints()
    if choice == "system":
        hints.unsetColorScheme()
        theme = scheme_theme(hints.colorScheme())
    else:
        theme = palette.THEMES[choice]
        hints.setColorScheme(Qt.ColorScheme.Dark if theme.dark else Qt.ColorScheme.Light)
    _show(app, theme)
    if changed:
        emit(state.choice_changed, choice)
    return theme
