"""The Results tab's error-analysis work in the "inspect" lane: Grad-CAM pictures of one image, and the
review of an image folder's labels. Results are numpy arrays and plain values; no tensor reaches the GUI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .inspection import ModelCache, ModelInfo, ModelSource

if TYPE_CHECKING:
    import threading

    from ....inference.label_issues import LabelReview
    from ....settings.config import RunConfig

REVIEW_LIMIT = 400  # the most suspicious images a review sends to the gallery


@dataclass(frozen=True)
class CamPictures:
    """Grad-CAM maps of one image coloured over it, one per class asked about."""

    tag: str  # which view asked ("maps", "predict", "labels")
    key: object  # what that view asked about, to drop an answer it no longer waits for
    layer: str
    targets: tuple[int, ...]  # the classes explained (the predicted one resolved)
    probs: np.ndarray  # (classes,) the model's probabilities for the image
    overlays: tuple[np.ndarray, ...]  # (H, W, 3) uint8 each, H and W the image's
    evidence: tuple[bool, ...]  # False where the map is empty: no positive evidence for the class
    model: ModelInfo


def cam_pictures(
    cache: ModelCache,
    source: ModelSource | None,
    tag: str,
    key: object,
    image: np.ndarray,
    targets: tuple[int | None, ...],
    layer: str | None,
) -> CamPictures:
    """Grad-CAM of ``image`` for ``targets`` (None: the predicted class) at ``layer`` (None, or a layer this
    model lacks: its last stage)."""
    from ....inference.gradcam import class_maps, overlay

    loaded = cache.load(source)
    info = loaded.info
    layer = layer if layer in {name for name, _ in info.stages} else None
    maps = class_maps(loaded.net, image, info.resize, targets, layer)
    overlays = tuple(overlay(image, m) for m in maps.maps)
    return CamPictures(tag, key, maps.layer, maps.targets, maps.probs, overlays, tuple(p > 0 for p in maps.peaks), info)


@dataclass(frozen=True)
class ReviewResult:
    """A review of the labels of the folder a model trained on, with that run's settings."""

    review: LabelReview
    folder: str
    config: RunConfig  # the run's settings: "train again" trains them without the excluded images
    model: ModelInfo


def review_folder_labels(
    cache: ModelCache,
    source: ModelSource | None,
    split: str,
    stop: threading.Event,
    on_progress: Callable[[int, int], None],
) -> ReviewResult:
    """Score every image of ``split`` of the model's folder and rank them by how unlikely their label is."""
    from ....inference.label_issues import review_labels

    loaded = cache.load(source)
    cfg = loaded.trained.config
    t = cfg.train
    review = review_labels(
        loaded.net,
        cfg.data,
        loaded.info.class_names,
        split,
        REVIEW_LIMIT,
        t.precision,
        t.batch_size,
        t.test_flips,
        stop,
        on_progress,
    )
    return ReviewResult(review, cfg.data.folder or "", cfg, loaded.info)
