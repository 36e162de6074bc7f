"""Asks the inspector for the Grad-CAM pictures of the Results tab's views (an inspected test image,
a tried image, a suspicious label) and hands each answer to the view still waiting for it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject

from .cam_view import CamPanel
from .explaining import CamPictures
from .inspector import Inspector


class Explainer(QObject):
    """One question per view (its ``tag``): asking again for the same ``key`` does nothing."""

    def __init__(self, inspector: Inspector, panels: dict[str, CamPanel], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._inspector, self.panels = inspector, panels
        self._asked: dict[str, tuple[object, int | None]] = {}  # tag -> (key, the true or given class)
        inspector.cams_ready.connect(self._on_ready)
        inspector.cams_failed.connect(self._on_failed)

    def explain(
        self, tag: str, key: object, image: np.ndarray, second: int | None, true_class: int | None = None
    ) -> None:
        """Maps of ``image`` for its predicted class and ``second`` (the true or given class, or a chosen one),
        at the layer chosen in the view ``tag``; ``key`` names the image and model asked about."""
        panel = self.panels[tag]
        key = (key, panel.layer, second)
        if self._asked.get(tag, (None, None))[0] == key:
            return
        self._asked[tag] = (key, true_class)
        panel.show_pending()
        self._inspector.request_cams(tag, key, image, (None, second), panel.layer)

    def forget(self) -> None:
        """Drop every question and clear the pictures (a new run or model)."""
        self._asked.clear()
        for panel in self.panels.values():
            panel.clear()

    def _on_ready(self, pictures: CamPictures) -> None:
        asked = self._asked.get(pictures.tag)
        if asked is None or asked[0] != pictures.key:
            return  # asked for before a new image, layer or model: it would show under the wrong one
        self.panels[pictures.tag].show_pictures(pictures, asked[1])

    def _on_failed(self, tag: str, message: str) -> None:
        self._asked.pop(tag, None)
        self.panels[tag].show_message(message)
