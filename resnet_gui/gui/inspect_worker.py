"""Torch work of the Results tab in a background thread: loading a trained model, top-5, feature maps.

``InspectWorker`` lives in the GUI thread and owns a QThread in which ``_InspectJob`` loads the
checkpoint of a run (cached per file path and modification time), classifies an image file and
computes feature-map mosaics. Results come back as frozen dataclasses of numpy arrays and plain
numbers. For each kind of request only the latest one matters: older ones still queued are skipped.
"""

from __future__ import annotations

import math
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from .qt_compat import emit

DEFAULT_IMAGE_SIZE = 28
TOP_K = 5
CACHED_MODELS = 2
MOSAIC_GAP = 1
GAP_RGB = (235, 235, 235)
NO_MODEL = ("No trained model yet: train a run (or stop one after its first epoch); "
            "its checkpoint is used here.")
KINDS = ("model", "predict", "maps", "evaluate")


@dataclass(frozen=True)
class ModelSource:
    """Where the model to inspect comes from: a recorded run (its best checkpoint, else its last) or a file."""

    run_id: int | None = None
    runs_db: str | None = None
    checkpoint: str | None = None
    class_names: tuple[str, ...] = ()  # the run's, when known (else derived from its data set)
    image_size: int | None = None  # the run's stored image side, when known


@dataclass(frozen=True)
class ModelInfo:
    """A loaded model as the views describe it."""

    checkpoint: str
    label: str
    stages: tuple[tuple[str, str], ...]  # (layer name, what it is)
    class_names: tuple[str, ...]
    channels: int
    image_size: int  # the side of the data set's stored images, before the run's resize
    resize: int


@dataclass(frozen=True)
class Prediction:
    """One image file: the network's input (before the run's resize) and its top classes.

    ``model`` is None (and ``top`` empty) when there is no trained model yet.
    """

    path: str
    image: np.ndarray  # (C, S, S) uint8, S the data set's image size (28 without a model)
    top: tuple[tuple[str, float], ...]
    model: ModelInfo | None


@dataclass(frozen=True)
class FeatureMapGrid:
    """The activation maps of one stage for one test image, tiled into an RGB mosaic."""

    index: int
    stage: str
    mosaic: np.ndarray  # (H, W, 3) uint8, each map scaled to its own min..max
    maps: int
    map_size: tuple[int, int]
    columns: int
    model: ModelInfo


@dataclass(frozen=True)
class _Failure:
    message: str


def tile_maps(maps: np.ndarray, gap: int = MOSAIC_GAP) -> tuple[np.ndarray, int]:
    """(an RGB mosaic of ``maps`` (C, H, W) with each map normalised to its own range, columns)."""
    import pyqtgraph as pg

    c, h, w = maps.shape
    cols = max(1, math.ceil(math.sqrt(c)))
    rows = max(1, math.ceil(c / cols))
    lo = maps.reshape(c, -1).min(axis=1)[:, None, None]
    span = maps.reshape(c, -1).max(axis=1)[:, None, None] - lo
    norm = np.divide(maps - lo, span, out=np.zeros_like(maps, dtype=np.float32), where=span > 0)
    lut = pg.colormap.get("viridis").getLookupTable(nPts=256, alpha=False).astype(np.uint8)
    colored = lut[np.clip(norm * 255, 0, 255).astype(np.uint8)]  # (C, H, W, 3)
    mosaic = np.empty((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap, 3), dtype=np.uint8)
    mosaic[:] = GAP_RGB
    for i in range(c):
        r, k = divmod(i, cols)
        mosaic[r * (h + gap):r * (h + gap) + h, k * (w + gap):k * (w + gap) + w] = colored[i]
    return mosaic, cols


class _Loaded:
    """A model in memory with its description and the checkpoint it came from."""

    def __init__(self, trained: Any, info: ModelInfo) -> None:
        self.trained, self.net, self.info = trained, trained.net, info
        self.evaluation: object | None = None  # its test-set predictions, once scored


class _InspectJob(QObject):
    """Lives in the background thread; every slot runs there."""

    replied = Signal(str, int, object)  # kind, request id, result | _Failure | None (skipped)

    def __init__(self, latest: dict[str, int]) -> None:
        super().__init__()
        self._latest = latest
        self._cache: dict[tuple[str, int], _Loaded] = {}

    def _answer(self, kind: str, request_id: int, work: Callable[[], object]) -> None:
        from ..errors import UserError

        if request_id < self._latest[kind]:
            emit(self.replied, kind, request_id, None)
            return
        try:
            result: object = work()
        except UserError as exc:
            result = _Failure(str(exc))
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window
            traceback.print_exc(file=sys.stderr)
            result = _Failure(f"{type(exc).__name__}: {exc}")
        emit(self.replied, kind, request_id, result)

    def _checkpoint_path(self, source: ModelSource) -> str:
        from ..errors import UserError
        from ..runs.store import RunStore

        if source.checkpoint:
            return source.checkpoint
        if source.run_id is None:
            raise UserError(NO_MODEL)
        try:
            run = RunStore(source.runs_db).get(source.run_id)
        except KeyError:
            raise UserError(f"Run {source.run_id} is no longer in the run history, so its model is gone.") from None
        path = run.best_checkpoint or run.last_checkpoint
        if not path:
            raise UserError(f"Run {run.id} ended before its first epoch, so it has no trained model. "
                            "Train a run for at least one epoch.")
        return path

    def _load(self, source: ModelSource | None) -> _Loaded:
        from ..errors import UserError
        from ..inference.export import load_trained
        from ..inference.predictions import stage_names

        if source is None:
            raise UserError(NO_MODEL)
        path = self._checkpoint_path(source)
        try:
            key = (path, os.stat(path).st_mtime_ns)
        except OSError:
            raise UserError(f"The trained model {path} is gone (was the run deleted?).") from None
        if key in self._cache:
            return self._cache[key]
        trained = load_trained(path)
        net, cfg = trained.net, trained.config
        classes = int(net.fc[-1].out_features)
        names = source.class_names if len(source.class_names) == classes else trained.class_names
        children = dict(net.named_children())
        stages = tuple((name, _describe_layer(children[name])) for name in stage_names(net))
        label = (f"run {source.run_id} · {Path(path).name}" if source.run_id is not None and not source.checkpoint
                 else Path(path).name)
        size = source.image_size or int(trained.image_shape[-1])
        info = ModelInfo(path, label, stages, names, int(net[0].in_channels), size, int(cfg.data.resize))
        while len(self._cache) >= CACHED_MODELS:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = _Loaded(trained, info)
        return self._cache[key]

    @Slot(int, object)
    def describe(self, request_id: int, source: ModelSource | None) -> None:
        self._answer("model", request_id, lambda: self._load(source).info)

    @Slot(int, object, str)
    def predict(self, request_id: int, source: ModelSource | None, path: str) -> None:
        def work() -> Prediction:
            from ..errors import UserError
            from ..inference.predictions import load_image, top_k

            if source is None:  # still show the file as the network would see it
                return Prediction(path, load_image(path, DEFAULT_IMAGE_SIZE, 1), (), None)
            try:
                loaded = self._load(source)
            except UserError:
                load_image(path, DEFAULT_IMAGE_SIZE, 1)  # an unreadable file is the first thing to say
                raise
            info = loaded.info
            image = load_image(path, info.image_size, info.channels)
            top = top_k(loaded.net, image, info.resize, info.class_names, TOP_K)
            return Prediction(path, image, tuple(top), info)

        self._answer("predict", request_id, work)

    @Slot(int, object, object, str, int)
    def maps(self, request_id: int, source: ModelSource | None, image: np.ndarray, stage: str, index: int) -> None:
        def work() -> FeatureMapGrid:
            from ..inference.predictions import feature_maps

            loaded = self._load(source)
            maps = feature_maps(loaded.net, image, loaded.info.resize, stage)
            mosaic, cols = tile_maps(maps)
            return FeatureMapGrid(index, stage, mosaic, int(maps.shape[0]), (int(maps.shape[1]), int(maps.shape[2])),
                                  cols, loaded.info)

        self._answer("maps", request_id, work)


    @Slot(int, object)
    def evaluate(self, request_id: int, source: ModelSource | None) -> None:
        def work() -> object:
            from ..inference.predictions import test_set_predictions

            loaded = self._load(source)
            trained = loaded.trained
            # An unchanged checkpoint scores the same on a fixed test set: once is enough. A folder
            # of images may have been edited since, so it is read and scored again.
            if loaded.evaluation is None or trained.config.data.dataset == "folder":
                t = trained.config.train
                loaded.evaluation = test_set_predictions(loaded.net, trained.config.data, loaded.info.class_names,
                                                         precision=t.precision, epoch=trained.epochs,
                                                         batch_size=t.batch_size, flips=t.test_flips)
            return loaded.evaluation

        self._answer("evaluate", request_id, work)


def _describe_layer(layer: Any) -> str:
    """"Conv2d", or "2 × Residual" for a stage of blocks."""
    children = list(layer.children())
    if type(layer).__name__ == "Sequential" and children:
        kinds = sorted({type(c).__name__ for c in children})
        return f"{len(children)} × {'/'.join(kinds)}"
    return type(layer).__name__


class InspectWorker(QObject):
    """GUI-side owner of the inspection thread; each request is answered by a ``*_ready`` or ``*_failed`` signal."""

    model_ready = Signal(object)
    model_failed = Signal(str)
    prediction_ready = Signal(object)
    prediction_failed = Signal(str)
    maps_ready = Signal(object)
    maps_failed = Signal(str)
    evaluation_ready = Signal(object)  # EpochPredictions of the model on its run's test set
    evaluation_failed = Signal(str)
    _describe_requested = Signal(int, object)
    _predict_requested = Signal(int, object, str)
    _maps_requested = Signal(int, object, object, str, int)
    _evaluate_requested = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._latest = dict.fromkeys(KINDS, 0)
        self._in_flight = 0
        self._source: ModelSource | None = None
        self._thread = QThread()
        self._thread.setObjectName("resnet-gui inspect")
        self._job = _InspectJob(self._latest)
        self._job.moveToThread(self._thread)
        self._describe_requested.connect(self._job.describe)
        self._predict_requested.connect(self._job.predict)
        self._maps_requested.connect(self._job.maps)
        self._evaluate_requested.connect(self._job.evaluate)
        self._job.replied.connect(self._on_replied)
        self._shut_down = False

    @property
    def source(self) -> ModelSource | None:
        """Where the inspected model comes from (None: no trained model yet)."""
        return self._source

    @property
    def busy(self) -> bool:
        """True while a request is not yet answered."""
        return self._in_flight > 0

    def _next(self, kind: str) -> int | None:
        if self._shut_down:
            return None
        if not self._thread.isRunning():
            self._thread.start()
        self._latest[kind] += 1
        self._in_flight += 1
        return self._latest[kind]

    def set_source(self, source: ModelSource | None) -> None:
        """Inspect the model of ``source`` from now on; ``model_ready`` describes it once loaded."""
        self._source = source
        request_id = self._next("model")
        if request_id is not None:
            emit(self._describe_requested, request_id, source)

    def request_prediction(self, path: str) -> None:
        """Classify the image file at ``path``; answered by ``prediction_ready`` or ``prediction_failed``."""
        request_id = self._next("predict")
        if request_id is not None:
            emit(self._predict_requested, request_id, self._source, str(path))

    def request_maps(self, image: np.ndarray, stage: str, index: int) -> None:
        """Feature maps of ``image`` (test image ``index``) at ``stage``; the latest request wins."""
        request_id = self._next("maps")
        if request_id is not None:
            emit(self._maps_requested, request_id, self._source, image, stage, index)

    def request_evaluation(self) -> None:
        """Score the model on its run's test set; answered by ``evaluation_ready`` or ``evaluation_failed``."""
        request_id = self._next("evaluate")
        if request_id is not None:
            emit(self._evaluate_requested, request_id, self._source)

    def _on_replied(self, kind: str, request_id: int, result: object) -> None:
        self._in_flight -= 1
        if result is None or request_id != self._latest[kind]:
            return
        ready, failed = {"model": (self.model_ready, self.model_failed),
                         "predict": (self.prediction_ready, self.prediction_failed),
                         "maps": (self.maps_ready, self.maps_failed),
                         "evaluate": (self.evaluation_ready, self.evaluation_failed)}[kind]
        if isinstance(result, _Failure):
            emit(failed, result.message)
        else:
            emit(ready, result)

    def shutdown(self) -> None:
        """Stop the thread and wait for it (at most the current job)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._thread.quit()
        self._thread.wait()
