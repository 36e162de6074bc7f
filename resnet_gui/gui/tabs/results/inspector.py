"""The Results tab's requests to the "inspect" lane: for each kind (model, predict, maps, evaluate,
the Grad-CAM of each view, the review of a folder's labels) only the latest one counts, and each is
answered by a ``*_ready`` or ``*_failed`` signal."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal, SignalInstance

from ...jobs import Jobs
from ...qt_compat import emit
from .explaining import cam_pictures, review_folder_labels
from .inspection import ModelCache, ModelSource, describe, evaluate, feature_map_grid, predict


class Inspector(QObject):
    """Ask about the model of ``source``; hear back through the signals."""

    model_ready = Signal(object)
    model_failed = Signal(str)
    prediction_ready = Signal(object)
    prediction_failed = Signal(str)
    maps_ready = Signal(object)
    maps_failed = Signal(str)
    evaluation_ready = Signal(object)  # EpochPredictions of the model on its run's test set
    evaluation_failed = Signal(str)
    cams_ready = Signal(object)  # CamPictures
    cams_failed = Signal(str, str)  # the asking view's tag, the message
    review_ready = Signal(object)  # ReviewResult
    review_failed = Signal(str)
    review_progress = Signal(int, int)  # images scored, of

    def __init__(self, jobs: Jobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lane = jobs.lane("inspect", latest_wins=True)
        self._cache = ModelCache()  # used only by the lane's thread
        self._source: ModelSource | None = None

    @property
    def source(self) -> ModelSource | None:
        """Where the inspected model comes from (None: no trained model yet)."""
        return self._source

    @property
    def busy(self) -> bool:
        """True while a request is not yet answered."""
        return self._lane.busy

    def _ask(
        self, kind: str, label: str, work: Callable[[], object], ready: SignalInstance, failed: SignalInstance
    ) -> None:
        self._lane.submit(
            label,
            lambda _ctx: work(),
            key=kind,
            on_done=lambda result: emit(ready, result),
            on_error=lambda message, _offer: emit(failed, message),
        )

    def set_source(self, source: ModelSource | None) -> None:
        """Inspect the model of ``source`` from now on; ``model_ready`` describes it once loaded."""
        self._source = source
        self._ask(
            "model", "Loading the model", lambda: describe(self._cache, source), self.model_ready, self.model_failed
        )

    def request_prediction(self, path: str, invert: bool = False, crop: bool = False) -> None:
        """Classify the image file at ``path`` (inverted and cropped to its object when asked)."""
        source = self._source
        self._ask(
            "predict",
            "Classifying the image",
            lambda: predict(self._cache, source, str(path), invert, crop),
            self.prediction_ready,
            self.prediction_failed,
        )

    def request_maps(self, image: np.ndarray, stage: str, index: int) -> None:
        """Feature maps of ``image`` (test image ``index``) at ``stage``."""
        source = self._source
        self._ask(
            "maps",
            "Computing feature maps",
            lambda: feature_map_grid(self._cache, source, image, stage, index),
            self.maps_ready,
            self.maps_failed,
        )

    def request_evaluation(self) -> None:
        """Score the model on its run's test set."""
        source = self._source
        self._ask(
            "evaluate",
            "Scoring the model",
            lambda: evaluate(self._cache, source),
            self.evaluation_ready,
            self.evaluation_failed,
        )

    def request_cams(
        self, tag: str, key: object, image: np.ndarray, targets: tuple[int | None, ...], layer: str | None
    ) -> None:
        """Grad-CAM of ``image`` for ``targets`` (None: the predicted class) at ``layer``, for the view ``tag``."""
        source = self._source
        self._lane.submit(
            "Computing where the network looked",
            lambda _ctx: cam_pictures(self._cache, source, tag, key, image, targets, layer),
            key=f"cams-{tag}",
            on_done=lambda result: emit(self.cams_ready, result),
            on_error=lambda message, _offer: emit(self.cams_failed, tag, message),
        )

    def request_review(self, split: str) -> None:
        """Rank the images of ``split`` ("train" or "test") of the model's folder by how unlikely their label is."""
        source = self._source
        self._lane.submit(
            "Looking for suspicious labels",
            lambda ctx: review_folder_labels(
                self._cache, source, split, ctx.stop, lambda done, total: ctx.progress((done, total))
            ),
            key="review",
            on_done=lambda result: emit(self.review_ready, result),
            on_error=lambda message, _offer: emit(self.review_failed, message),
            on_cancelled=lambda: emit(self.review_failed, "Stopped before every image was scored."),
            on_progress=lambda value: emit(self.review_progress, *value),
        )

    def cancel_review(self) -> None:
        """Stop a review in progress (it ends without an answer)."""
        self._lane.cancel("review")
