"""What the window remembers between starts (QSettings): its geometry and the form's last settings."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from ..settings.config import RunConfig
from ..settings.validation import validate

CONFIG_KEY = "form/config"
GEOMETRY_KEY = "window/geometry"


def restore(settings: QSettings | None, window: QMainWindow) -> RunConfig | None:
    """Put back ``window``'s geometry; the remembered settings when they are still valid, else None."""
    if settings is None:
        return None
    geometry = settings.value(GEOMETRY_KEY)
    if geometry is not None:
        window.restoreGeometry(geometry)
    text = settings.value(CONFIG_KEY)
    try:
        cfg = RunConfig.from_dict(json.loads(text)) if isinstance(text, str) and text else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return cfg if cfg is not None and not validate(cfg) else None


def save(settings: QSettings | None, window: QMainWindow, cfg: RunConfig | None) -> None:
    """Remember ``window``'s geometry and the form's settings (when valid)."""
    if settings is None:
        return
    if cfg is not None:
        settings.setValue(CONFIG_KEY, json.dumps(cfg.to_dict()))
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.sync()
