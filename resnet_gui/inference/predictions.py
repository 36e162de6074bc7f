"""A network's answers on a whole test set: per-epoch predictions and a checkpoint's evaluation.

Results are numpy arrays and plain numbers, ready for the GUI to draw without touching torch.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data.batching import DeviceBatcher
from ..data.datasets import check_dataset, load_dataset
from ..errors import UserError
from ..model.resnet import classes_of, input_channels_of
from ..settings.config import DataConfig, TrainConfig
from ..training.devices import resolve_device, resolve_precision
from ..training.events import EpochPredictions
from ..training.precision import autocast
from .metrics import class_scores, per_class_accuracy
from .trained import load_trained

# One pixel down, up, right and left: the moves test-time shifts score besides the image itself.
SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def shifted(X: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """The images ``X`` (N, C, H, W) moved by ``dy``, ``dx`` pixels (at most 1), the edge repeated where they left."""
    h, w = X.shape[-2:]
    padded = F.pad(X, (1, 1, 1, 1), mode="replicate")
    return padded[..., 1 - dy : 1 - dy + h, 1 - dx : 1 - dx + w]


def scoring_views(X: torch.Tensor, flips: bool = False, shifts: bool = False) -> list[torch.Tensor]:
    """The views of ``X`` a test scores: itself, its mirror image with ``flips``, and each of them
    moved by one pixel in four directions with ``shifts``."""
    views = [X, X.flip(-1)] if flips else [X]
    if shifts:
        views += [shifted(v, dy, dx) for v in views for dy, dx in SHIFTS]
    return views


def view_count(flips: bool, shifts: bool) -> int:
    """How many views of each test image ``scoring_views`` makes."""
    return (2 if flips else 1) * (1 + len(SHIFTS) if shifts else 1)


def views_for_epoch(train: TrainConfig, epoch: int) -> tuple[bool, bool]:
    """(flips, shifts): how a run with ``train`` scores after ``epoch`` (shifts at the last epoch only)."""
    return train.test_flips, train.test_shifts and epoch >= train.epochs


def scored_after(train: TrainConfig, epoch: int) -> bool:
    """Whether a run with ``train`` scores the test set after ``epoch``: every ``test_every``-th and the last."""
    return epoch % train.test_every == 0 or epoch >= train.epochs


def scorings_in_run(train: TrainConfig) -> int:
    """How many times a whole run with ``train`` scores the test set."""
    return train.epochs // train.test_every + (train.epochs % train.test_every != 0)


def class_probabilities(model: nn.Module, X: torch.Tensor, flips: bool = False, shifts: bool = False) -> torch.Tensor:
    """Softmax probabilities of ``model`` for the batch ``X``: the mean over its test views (with
    ``flips`` each image's and its mirror image's; with ``shifts`` those moved by a pixel too)."""
    return torch.stack([F.softmax(model(v).float(), dim=1) for v in scoring_views(X, flips, shifts)]).mean(dim=0)


def predict_batches(
    model: nn.Module,
    batches: DeviceBatcher,
    autocast_ctx: contextlib.AbstractContextManager,
    flips: bool = False,
    shifts: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(predicted classes, softmax probabilities) for every image of ``batches``, in order."""
    model.eval()
    probs = []
    with torch.no_grad(), autocast_ctx:
        for X, _ in batches.batches():
            probs.append(class_probabilities(model, X, flips, shifts))
    model.train()
    p = torch.cat(probs).cpu().numpy()
    return p.argmax(axis=1), p


@dataclass(frozen=True)
class Evaluation:
    """A checkpoint scored on a test set: accuracy, confusion counts and the class names."""

    accuracy: float
    counts: np.ndarray
    class_names: tuple[str, ...]
    images: int
    views: int = 1  # of each image, averaged (see scoring_views)

    def to_dict(self) -> dict[str, object]:
        """The JSON document ``resnet-gui eval --json`` prints."""
        scores = class_scores(self.counts)
        return {
            "test_acc": self.accuracy,
            "images": self.images,
            "views": self.views,
            "class_names": list(self.class_names),
            "confusion": self.counts.tolist(),
            "per_class_acc": dict(zip(self.class_names, per_class_accuracy(self.counts).tolist(), strict=True)),
            "per_class": scores.to_dict(self.class_names),
            "averages": scores.averages(),
        }


def test_set_predictions(
    net: nn.Module,
    data_cfg: DataConfig,
    class_names: tuple[str, ...] = (),
    device: str = "auto",
    precision: str = "auto",
    epoch: int = 0,
    batch_size: int = 256,
    stop: threading.Event | None = None,
    flips: bool = False,
    shifts: bool = False,
) -> EpochPredictions:
    """``net``'s answers on the test split of ``data_cfg``, as a run reports them after an epoch.

    ``class_names`` replaces the data set's (e.g. the names a run stored); ``precision`` is a
    run's setting (bf16 autocast where it resolves to bf16); ``flips`` averages each image with its
    mirror image, as a run with test-time flips scores, ``shifts`` adds each moved by one pixel (test-time
    shifts); ``stop`` cancels loading the data.
    Raises UserError when the data is missing or does not fit the network.
    """
    dataset = load_dataset(data_cfg, None, stop)
    check_dataset(dataset)
    classes, channels = classes_of(net), input_channels_of(net)
    if len(dataset.class_names) != classes:
        raise UserError(f"The network predicts {classes} classes but {dataset.name} has {len(dataset.class_names)}.")
    if dataset.channels != channels:
        raise UserError(
            f"The network takes {channels}-channel images but {dataset.name} has {dataset.channels} channels."
        )
    dev, home = resolve_device(device), next(net.parameters()).device
    batches = DeviceBatcher(dataset.test_x, dataset.test_y, batch_size, dev, data_cfg.resize)
    try:
        predicted, probs = predict_batches(
            net.to(dev), batches, autocast(dev, resolve_precision(precision, dev)), flips, shifts
        )
    finally:
        net.to(home).eval()
    names = class_names if len(class_names) == classes else dataset.class_names
    labels, images = dataset.test_y.numpy(), dataset.test_x.numpy()
    return EpochPredictions(epoch, labels, predicted, probs, tuple(names), images, view_count(flips, shifts))


def checkpoint_predictions(
    path: str | Path,
    data_cfg: DataConfig | None = None,
    device: str = "auto",
    stop: threading.Event | None = None,
    views: tuple[bool | None, bool | None] = (None, None),
) -> EpochPredictions:
    """The answers of the checkpoint's network on the test split of ``data_cfg`` (default: the data it
    trained on, with the class names it stored), scored as its run scored its last epoch (precision,
    test-time flips and shifts) unless ``views`` says (flips, shifts) otherwise (None: the run's)."""
    trained = load_trained(path)
    t = trained.config.train
    run_views = views_for_epoch(t, trained.epochs)
    flips, shifts = (run if asked is None else asked for asked, run in zip(views, run_views, strict=True))
    return test_set_predictions(
        trained.net,
        data_cfg or trained.config.data,
        trained.class_names if data_cfg is None else (),
        device=device,
        precision=t.precision,
        epoch=trained.epochs,
        batch_size=t.batch_size,
        stop=stop,
        flips=flips,
        shifts=shifts,
    )


def evaluate_checkpoint(
    path: str | Path,
    data_cfg: DataConfig | None = None,
    device: str = "auto",
    views: tuple[bool | None, bool | None] = (None, None),
) -> Evaluation:
    """Score the checkpoint's network on the test split of ``data_cfg`` (default: the data it trained on),
    with the test views of its run's last epoch unless ``views`` (flips, shifts) says otherwise."""
    result = checkpoint_predictions(path, data_cfg, device, views=views)
    return Evaluation(result.accuracy, result.confusion(), result.class_names, len(result.labels), result.views)
