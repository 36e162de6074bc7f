"""What the window remembers between starts (QSettings): its geometry, the splitter between the
form and the tabs, the tab shown, and the form's last settings (with the image folder and the data
location). The theme is remembered by ``theme`` under its own key; Reset settings forgets it too.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QTabWidget

from ..settings.config import RunConfig
from ..settings.validation import validate
from . import theme
from .form.config_form import ConfigForm
from .form.sections import DEFAULT_CONFIG
from .layout import default_layout

CONFIG_KEY = "form/config"
GEOMETRY_KEY = "window/geometry"
SPLITTER_KEY = "window/splitter"
TAB_KEY = "window/tab"
REMEMBERED_KEYS = (CONFIG_KEY, GEOMETRY_KEY, SPLITTER_KEY, TAB_KEY, theme.THEME_KEY)


def remembered_config(settings: QSettings) -> RunConfig | None:
    """The form's remembered settings when they are still valid, else None."""
    text = settings.value(CONFIG_KEY)
    try:
        cfg = RunConfig.from_dict(json.loads(text)) if isinstance(text, str) and text else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return cfg if cfg is not None and not validate(cfg) else None


class WindowState:
    """Puts the window back as it was left (``restore``), remembers it (``save``), or forgets it (``reset``)."""

    def __init__(
        self,
        settings: QSettings | None,
        window: QMainWindow,
        splitter: QSplitter,
        tabs: QTabWidget,
        form: ConfigForm,
    ) -> None:
        self._settings = settings
        self._window = window
        self._splitter = splitter
        self._tabs = tabs
        self._form = form

    def restore(self) -> None:
        """Geometry, splitter, tab and form as remembered; what is missing or unusable keeps its default."""
        s = self._settings
        if s is None:
            return
        geometry = s.value(GEOMETRY_KEY)
        if geometry is not None:
            self._window.restoreGeometry(geometry)
        splitter = s.value(SPLITTER_KEY)
        if splitter is not None:
            self._splitter.restoreState(splitter)
        tab = s.value(TAB_KEY)
        if isinstance(tab, (int, str)) and str(tab).isdigit() and int(tab) < self._tabs.count():
            self._tabs.setCurrentIndex(int(tab))
        cfg = remembered_config(s)
        if cfg is not None:
            self._form.set_config(cfg)

    def save(self) -> None:
        """Remember the window as it is; the form's settings only when they are valid."""
        s = self._settings
        if s is None:
            return
        cfg = self._form.config()
        if cfg is not None:
            s.setValue(CONFIG_KEY, json.dumps(cfg.to_dict()))
        s.setValue(GEOMETRY_KEY, self._window.saveGeometry())
        s.setValue(SPLITTER_KEY, self._splitter.saveState())
        s.setValue(TAB_KEY, self._tabs.currentIndex())
        s.sync()

    def reset(self) -> None:
        """Forget what is remembered and show the defaults: form, size, layout, first tab, system theme."""
        if self._settings is not None:
            for key in REMEMBERED_KEYS:
                self._settings.remove(key)
            self._settings.sync()
        self._form.set_config(DEFAULT_CONFIG)
        self._window.setWindowState(Qt.WindowState.WindowNoState)  # not maximised, not full screen
        default_layout(self._window, self._splitter)
        self._tabs.setCurrentIndex(0)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, theme.DEFAULT_CHOICE)
