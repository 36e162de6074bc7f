"""Suspicious labels: the images of an image folder whose given label a trained network finds least likely.

Each image of one split is scored by the network (the probability of its given label, cleanlab's
"self-confidence"), and cleanlab's ``find_label_issues`` (confident learning, Northcutt et al. 2021)
flags those likely mislabelled. The network is the run's own: on the training split the scores are
in-sample (it learned those very labels, so it is slow to doubt them and ranks fewer of them low),
on the held-out test split they are out-of-sample. Cross-validating (training k networks, each
scoring the images it did not learn) would make the training split out-of-sample too, at k runs'
cost; the caveat is shown instead (see docs and the Results tab).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data.batching import DeviceBatcher
from ..data.datasets import DataSet, load_image_folder
from ..data.exclusions import read_exclusion
from ..errors import Cancelled, UserError
from ..settings.config import DataConfig
from ..training.devices import resolve_device, resolve_precision
from ..training.precision import autocast
from .predictions import class_probabilities

SPLITS = ("train", "test")
NOT_A_FOLDER = (
    "Suspicious labels are looked for in an image folder of your own (its images can then be left out "
    "of the next run); this run trained on {name}."
)


@dataclass(frozen=True)
class LabelReview:
    """One split of a folder scored by a network, most suspicious first (the first ``len(files)`` shown)."""

    split: str  # "train" or "test"
    class_names: tuple[str, ...]
    files: tuple[str, ...]  # relative to the folder, most suspicious first
    given: np.ndarray  # (n,) the label each file has (its class folder)
    predicted: np.ndarray  # (n,) the network's class
    given_prob: np.ndarray  # (n,) probability of the given label: the sort key, lowest first
    predicted_prob: np.ndarray  # (n,)
    flagged: np.ndarray  # (n,) bool: cleanlab finds the label likely wrong
    images: np.ndarray  # (n, C, H, W) uint8
    scored: int  # images of the split scored
    flagged_total: int  # of those, flagged by cleanlab
    excluded: tuple[str, ...]  # the folder's exclude list when scored (files of either split)

    @property
    def in_sample(self) -> bool:
        """True when the network trained on these very images."""
        return self.split == "train"


def split_probabilities(
    net: nn.Module,
    x: torch.Tensor,
    resize: int,
    device: str = "auto",
    precision: str = "auto",
    batch_size: int = 256,
    flips: bool = False,
    stop: threading.Event | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Softmax probabilities (N, classes) of ``net`` for the uint8 images ``x``, reporting (done, total)."""
    dev, home = resolve_device(device), next(net.parameters()).device
    batches = DeviceBatcher(x, torch.zeros(len(x), dtype=torch.int64), batch_size, dev, resize)
    out, done = [], 0
    net.to(dev).eval()
    try:
        with torch.no_grad(), autocast(dev, resolve_precision(precision, dev)):
            for X, _ in batches.batches():
                if stop is not None and stop.is_set():
                    raise Cancelled("Scoring the images was cancelled.")
                out.append(class_probabilities(net, X, flips).cpu())
                done += len(X)
                if on_progress is not None:
                    on_progress(done, len(x))
    finally:
        net.to(home).eval()
    return torch.cat(out).numpy().astype(np.float64)


def flag_issues(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """cleanlab's verdict per image (True: likely mislabelled), from out-of-sample probabilities ideally."""
    from cleanlab.filter import find_label_issues

    probs = probs / probs.sum(axis=1, keepdims=True)  # exactly 1 per row, as cleanlab checks
    # One process: cleanlab's default parallelism forks, which a GUI's worker thread must not do.
    return np.asarray(find_label_issues(labels, probs, n_jobs=1), dtype=bool)


def rank_by_suspicion(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Indices ordered by cleanlab's self-confidence label quality (the given label's probability), lowest first."""
    from cleanlab.rank import get_label_quality_scores

    quality = get_label_quality_scores(labels, probs, method="self_confidence")
    return np.argsort(quality, kind="stable")


def load_folder_for_review(data_cfg: DataConfig, stop: threading.Event | None = None) -> DataSet:
    """Every image of the run's folder, those on its exclude list included (they are shown ticked)."""
    if data_cfg.dataset != "folder":
        raise UserError(NOT_A_FOLDER.format(name=data_cfg.dataset))
    return load_image_folder(data_cfg, None, stop, exclude=False)


def review_labels(
    net: nn.Module,
    data_cfg: DataConfig,
    class_names: tuple[str, ...],
    split: str = "train",
    limit: int = 200,
    precision: str = "auto",
    batch_size: int = 256,
    flips: bool = False,
    stop: threading.Event | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> LabelReview:
    """The ``limit`` most suspicious images of ``split`` of the folder ``data_cfg`` for ``net``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    dataset = load_folder_for_review(data_cfg, stop)
    x, y = (dataset.train_x, dataset.train_y) if split == "train" else (dataset.test_x, dataset.test_y)
    files = dataset.train_files if split == "train" else dataset.test_files
    classes = len(class_names) if class_names else len(dataset.class_names)
    if classes != len(dataset.class_names):
        raise UserError(
            f"The network knows {classes} classes but the folder now has {len(dataset.class_names)}: "
            "train again on it first."
        )
    probs = split_probabilities(net, x, data_cfg.resize, "auto", precision, batch_size, flips, stop, on_progress)
    labels = y.numpy()
    flagged = flag_issues(labels, probs)
    order = rank_by_suspicion(labels, probs)[:limit]
    predicted = probs.argmax(axis=1)
    rows = np.arange(len(labels))
    return LabelReview(
        split,
        class_names or dataset.class_names,
        tuple(files[i] for i in order),
        labels[order],
        predicted[order],
        probs[rows, labels][order],
        probs[rows, predicted][order],
        flagged[order],
        x.numpy()[order],
        len(labels),
        int(flagged.sum()),
        read_exclusion(data_cfg.folder or "").paths,
    )
