"""The Results tab's work on a trained model, run in the "inspect" lane: load (cached), classify an
image file, feature-map mosaics, and scoring on the run's test set.

Results are frozen dataclasses of numpy arrays and plain numbers; no tensor reaches the GUI thread.
The model cache lives in the lane's one thread, so a model loaded once serves every request.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ....errors import UserError

DEFAULT_IMAGE_SIZE = 28
TOP_K = 5
CACHED_MODELS = 2
MOSAIC_GAP = 1
GAP_RGB = (235, 235, 235)
NO_MODEL = "No trained model yet: train a run (or stop one after its first epoch); its checkpoint is used here."


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
    folder: str = ""  # the image folder it trained on ("" for another data set)
    dataset: str = ""


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
        mosaic[r * (h + gap) : r * (h + gap) + h, k * (w + gap) : k * (w + gap) + w] = colored[i]
    return mosaic, cols


def _describe_layer(layer: Any) -> str:
    """ "Conv2d", or "2 × Residual" for a stage of blocks."""
    children = list(layer.children())
    if type(layer).__name__ == "Sequential" and children:
        kinds = sorted({type(c).__name__ for c in children})
        return f"{len(children)} × {'/'.join(kinds)}"
    return type(layer).__name__


class _Loaded:
    """A model in memory with its description and, once scored, its test-set predictions."""

    def __init__(self, trained: Any, info: ModelInfo) -> None:
        self.trained, self.net, self.info = trained, trained.net, info
        self.evaluation: object | None = None


class ModelCache:
    """The last few loaded models, by checkpoint file and modification time (used in the lane's thread)."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], _Loaded] = {}

    def load(self, source: ModelSource | None) -> _Loaded:
        """The model of ``source``; UserError saying why when there is none."""
        from ....inference.single_image import stage_names
        from ....inference.trained import load_trained
        from ....model.resnet import classes_of, input_channels_of

        path = _checkpoint_path(source)
        try:
            key = (path, os.stat(path).st_mtime_ns)
        except OSError:
            raise UserError(f"The trained model {path} is gone (was the run deleted?).") from None
        if key in self._models:
            return self._models[key]
        assert source is not None
        trained = load_trained(path)
        net, cfg = trained.net, trained.config
        classes = classes_of(net)
        names = source.class_names if len(source.class_names) == classes else trained.class_names
        children = dict(net.named_children())
        stages = tuple((name, _describe_layer(children[name])) for name in stage_names(net))
        label = (
            f"run {source.run_id} · {Path(path).name}"
            if source.run_id is not None and not source.checkpoint
            else Path(path).name
        )
        size = source.image_size or int(trained.image_shape[-1])
        folder = (cfg.data.folder or "") if cfg.data.dataset == "folder" else ""
        info = ModelInfo(
            path, label, stages, names, input_channels_of(net), size, int(cfg.data.resize), folder, cfg.data.dataset
        )
        while len(self._models) >= CACHED_MODELS:
            self._models.pop(next(iter(self._models)))
        self._models[key] = _Loaded(trained, info)
        return self._models[key]


def _checkpoint_path(source: ModelSource | None) -> str:
    from ....runs.store import RunStore

    if source is None:
        raise UserError(NO_MODEL)
    if source.checkpoint:
        return source.checkpoint
    if source.run_id is None:
        raise UserError(NO_MODEL)
    try:
        run = RunStore(source.runs_db).get(source.run_id)
    except KeyError:
        raise UserError(f"Run {source.run_id} is no longer in the run history, so its model is gone.") from None
    path = run.trained_checkpoint or run.best_checkpoint or run.last_checkpoint  # the last two: files gone
    if not path:
        raise UserError(
            f"Run {run.id} ended before its first epoch, so it has no trained model. "
            "Train a run for at least one epoch."
        )
    return path


def describe(cache: ModelCache, source: ModelSource | None) -> ModelInfo:
    """The model's description (loading it)."""
    return cache.load(source).info


def predict(
    cache: ModelCache, source: ModelSource | None, path: str, invert: bool = False, crop: bool = False
) -> Prediction:
    """The top classes of the image file at ``path`` (just the image as read, without a model);
    ``invert`` and ``crop`` prepare a photo to look like the data set (see ``data.images``)."""
    from ....data.images import load_image
    from ....inference.single_image import top_k

    if source is None:  # still show the file as the network would see it
        return Prediction(path, load_image(path, DEFAULT_IMAGE_SIZE, 1, invert, crop), (), None)
    try:
        loaded = cache.load(source)
    except UserError:
        load_image(path, DEFAULT_IMAGE_SIZE, 1)  # an unreadable file is the first thing to say
        raise
    info = loaded.info
    image = load_image(path, info.image_size, info.channels, invert, crop)
    return Prediction(path, image, tuple(top_k(loaded.net, image, info.resize, info.class_names, TOP_K)), info)


def feature_map_grid(
    cache: ModelCache, source: ModelSource | None, image: np.ndarray, stage: str, index: int
) -> FeatureMapGrid:
    """The activations of ``stage`` for test image ``index``, tiled."""
    from ....inference.single_image import feature_maps

    loaded = cache.load(source)
    maps = feature_maps(loaded.net, image, loaded.info.resize, stage)
    mosaic, cols = tile_maps(maps)
    return FeatureMapGrid(
        index, stage, mosaic, int(maps.shape[0]), (int(maps.shape[1]), int(maps.shape[2])), cols, loaded.info
    )


def evaluate(cache: ModelCache, source: ModelSource | None) -> object:
    """The model's predictions on its run's test set (EpochPredictions)."""
    from ....inference.predictions import test_set_predictions, views_for_epoch

    loaded = cache.load(source)
    trained = loaded.trained
    # An unchanged checkpoint scores the same on a fixed test set: once is enough. A folder of
    # images may have been edited since, so it is read and scored again.
    if loaded.evaluation is None or trained.config.data.dataset == "folder":
        t = trained.config.train
        flips, shifts = views_for_epoch(t, trained.epochs)
        loaded.evaluation = test_set_predictions(
            loaded.net,
            trained.config.data,
            loaded.info.class_names,
            precision=t.precision,
            epoch=trained.epochs,
            batch_size=t.batch_size,
            flips=flips,
            shifts=shifts,
        )
    return loaded.evaluation
