"""What a trained network does: test-set predictions, confusion counts, single-image top-k, feature maps.

Results are numpy arrays and plain numbers, ready for the GUI to draw without touching torch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data.batching import DeviceBatcher
from ..settings.config import DataConfig
from ..errors import UserError


@dataclass(frozen=True)
class EpochPredictions:
    """The network's answers on the whole test set after an epoch (arrays in test-set order)."""

    epoch: int
    labels: np.ndarray  # (N,) int64
    predicted: np.ndarray  # (N,) int64
    probs: np.ndarray  # (N, classes) float32
    class_names: tuple[str, ...]
    images: np.ndarray  # (N, C, H, W) uint8, the test images as stored (shared, not copied, per epoch)

    @property
    def accuracy(self) -> float:
        return float((self.labels == self.predicted).mean()) if len(self.labels) else 0.0

    def confusion(self) -> np.ndarray:
        """Counts (true class rows, predicted class columns)."""
        return confusion_counts(self.labels, self.predicted, len(self.class_names))

    def cell(self, true_class: int, predicted_class: int) -> np.ndarray:
        """Test-set indices of images of ``true_class`` predicted as ``predicted_class``."""
        return np.flatnonzero((self.labels == true_class) & (self.predicted == predicted_class))


def confusion_counts(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """A (classes, classes) matrix of counts: row = true class, column = predicted class."""
    return np.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def per_class_accuracy(counts: np.ndarray) -> np.ndarray:
    """Recall of each class (diagonal over row sums; 0 for a class with no images)."""
    totals = counts.sum(axis=1)
    return np.divide(np.diag(counts), totals, out=np.zeros(len(counts)), where=totals > 0)


def class_probabilities(model: nn.Module, X: torch.Tensor, flips: bool = False) -> torch.Tensor:
    """Softmax probabilities of ``model`` for the batch ``X``; with ``flips``, the mean of each
    image's and its mirror image's (test-time flips)."""
    p = F.softmax(model(X).float(), dim=1)
    if flips:
        p = (p + F.softmax(model(X.flip(-1)).float(), dim=1)) / 2
    return p


def predict_batches(model: nn.Module, batches: DeviceBatcher, autocast_ctx,
                    flips: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(predicted classes, softmax probabilities) for every image of ``batches``, in order."""
    model.eval()
    probs = []
    with torch.no_grad(), autocast_ctx:
        for X, _ in batches.batches():
            probs.append(class_probabilities(model, X, flips))
    model.train()
    p = torch.cat(probs).cpu().numpy()
    return p.argmax(axis=1), p


def load_image(path: str | Path, size: int = 28, channels: int = 1) -> np.ndarray:
    """An image file as the data set stores images: uint8 (channels, size, size), grayscale if 1 channel.

    Any size and colour mode is accepted; an unreadable file raises UserError naming it.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            img = img.convert("L" if channels == 1 else "RGB").resize((size, size), Image.BILINEAR)
    except FileNotFoundError:
        raise UserError(f"{path} does not exist.") from None
    except (UnidentifiedImageError, OSError) as e:
        raise UserError(f"{Path(path).name} is not a readable image (PNG or JPEG): {e}") from None
    arr = np.array(img, dtype=np.uint8)
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1).copy()


def _input(image: np.ndarray, resize: int) -> torch.Tensor:
    x = torch.from_numpy(image).float().div(255).unsqueeze(0)
    if resize and resize != x.shape[-1]:
        x = F.interpolate(x, size=(resize, resize), mode="bilinear", align_corners=False, antialias=True)
    return x


def top_k(model: nn.Module, image: np.ndarray, resize: int, class_names: tuple[str, ...],
          k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` most likely classes of one uint8 (C, H, W) image with their probabilities."""
    model.eval()
    with torch.no_grad():
        probs = F.softmax(model(_input(image, resize)).float(), dim=1)[0]
    values, indices = probs.topk(min(k, len(class_names)))
    return [(class_names[i], float(v)) for v, i in zip(values.tolist(), indices.tolist())]


def stage_names(model: nn.Module) -> list[str]:
    """Names of the top-level layers whose output can be shown as feature maps."""
    return [name for name, _ in model.named_children() if name not in ("global_avg_pool", "fc")]


def feature_maps(model: nn.Module, image: np.ndarray, resize: int, layer: str) -> np.ndarray:
    """Activations (channels, H, W) at the output of top-level layer ``layer`` for one image."""
    if layer not in stage_names(model):
        raise UserError(f"No layer {layer!r} to show; choose one of {', '.join(stage_names(model))}.")
    model.eval()
    x = _input(image, resize)
    with torch.no_grad():
        for name, child in model.named_children():
            x = child(x)
            if name == layer:
                return x[0].float().numpy()
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Evaluation:
    """A checkpoint scored on a test set: accuracy, confusion counts and the class names."""

    accuracy: float
    counts: np.ndarray
    class_names: tuple[str, ...]
    images: int

    def to_dict(self) -> dict[str, object]:
        return {"test_acc": self.accuracy, "images": self.images, "class_names": list(self.class_names),
                "confusion": self.counts.tolist(),
                "per_class_acc": dict(zip(self.class_names, per_class_accuracy(self.counts).tolist()))}


def test_set_predictions(net: nn.Module, data_cfg: DataConfig, class_names: tuple[str, ...] = (),
                         device: str = "auto", precision: str = "auto", epoch: int = 0,
                         batch_size: int = 256, stop: threading.Event | None = None,
                         flips: bool = False) -> EpochPredictions:
    """``net``'s answers on the test split of ``data_cfg``, as a run reports them after an epoch.

    ``class_names`` replaces the data set's (e.g. the names a run stored); ``precision`` is a
    run's setting (bf16 autocast where it resolves to bf16); ``flips`` averages each image with its
    mirror image, as a run with test-time flips scores; ``stop`` cancels loading the data.
    Raises UserError when the data is missing or does not fit the network.
    """
    from ..data.datasets import check_dataset, load_dataset
    from ..training.devices import resolve_device, resolve_precision
    from ..training.engine import autocast

    dataset = load_dataset(data_cfg, None, stop)
    check_dataset(dataset)
    classes = int(net.fc[-1].out_features)
    if len(dataset.class_names) != classes:
        raise UserError(f"The network predicts {classes} classes but {dataset.name} has "
                        f"{len(dataset.class_names)}.")
    if dataset.channels != net[0].in_channels:
        raise UserError(f"The network takes {net[0].in_channels}-channel images but {dataset.name} has "
                        f"{dataset.channels} channels.")
    dev, home = resolve_device(device), next(net.parameters()).device
    batches = DeviceBatcher(dataset.test_x, dataset.test_y, batch_size, dev, data_cfg.resize)
    try:
        predicted, probs = predict_batches(net.to(dev), batches, autocast(dev, resolve_precision(precision, dev)),
                                           flips)
    finally:
        net.to(home).eval()
    names = class_names if len(class_names) == classes else dataset.class_names
    return EpochPredictions(epoch, dataset.test_y.numpy(), predicted, probs, tuple(names), dataset.test_x.numpy())


def evaluate_checkpoint(path: str | Path, data_cfg: DataConfig | None = None, device: str = "auto") -> Evaluation:
    """Score the checkpoint's network on the test split of ``data_cfg`` (default: the data it trained on)."""
    from .export import load_trained

    trained = load_trained(path)
    data_cfg = data_cfg or trained.config.data
    t = trained.config.train
    result = test_set_predictions(trained.net, data_cfg, device=device, precision=t.precision, flips=t.test_flips,
                                  epoch=trained.epochs, batch_size=t.batch_size)
    return Evaluation(result.accuracy, result.confusion(), result.class_names, len(result.labels))
