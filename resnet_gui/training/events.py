"""What a training run reports: frozen dataclasses of plain Python numbers, never tensors.

The engine hands each event to every callback; the GUI turns them into Qt signals and the CLI
prints them. Epochs and batches count from 1, as the seed's epoch line does. ``EpochPredictions``
carries numpy arrays (the test set's answers), never tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..inference.metrics import confusion_counts, log_loss
from ..runs.status import RunStatus


@dataclass(frozen=True)
class DownloadProgress:
    """Bytes fetched so far of one data file (total is 0 when the server does not say)."""

    file: str
    done_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class DataProgress:
    """Progress of preparing the data (e.g. decoding an image folder): ``done`` of ``total`` items."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class RunStarted:
    """The run is set up: data loaded, model built, about to train."""

    epochs: int
    batches_per_epoch: int
    train_size: int
    test_size: int
    device: str
    precision: str
    class_names: tuple[str, ...]
    params: int
    start_epoch: int = 1
    batch_size: int = 0  # the global batch (0: not known, e.g. a run followed from the run history)
    excluded: tuple[str, ...] = ()  # an image folder's files its exclude list left out (relative paths)


@dataclass(frozen=True)
class BatchEnd:
    """Progress inside an epoch, sent every few batches (loss is the mean since the last one)."""

    epoch: int
    batch: int
    batches: int
    loss: float
    images_per_s: float
    elapsed_s: float
    eta_s: float
    lr: float | None = None  # the learning rate the schedule set for the next step
    # The machine's load since the previous report (as EpochEnd's, which sums up the epoch; None: not read).
    cpu_percent: float | None = None
    ram_bytes: float | None = None
    gpu_percent: float | None = None
    gpu_bytes: float | None = None


@dataclass(frozen=True)
class RunPaused:
    """The run holds, as asked, after ``batches_done`` batches of ``epoch`` (everything stays in memory)."""

    epoch: int
    batches_done: int


@dataclass(frozen=True)
class Steered:
    """A change asked of the run (see ``steering``), applied after ``batch`` batches of ``epoch``.

    ``value`` is the one applied: an epochs change is at least the epoch under way.
    """

    seq: int
    setting: str  # lr, lr_scale, epochs or stop_after_epoch
    value: float
    epoch: int
    batch: int


@dataclass(frozen=True)
class EpochEnd:
    """One finished epoch: the numbers of the seed's epoch line, plus throughput and LR."""

    epoch: int
    loss: float
    train_acc: float
    test_acc: float | None  # None: not scored after this epoch (see ``train.test_every``)
    seconds: float
    images_per_s: float
    lr: float
    test_loss: float | None = None  # mean cross-entropy on the test set (None: not measured, e.g. older runs)
    # The machine's load over the epoch (None where it could not be read): CPU busy %, this process's
    # resident memory, and on a GPU its utilisation % and the memory torch holds.
    cpu_percent: float | None = None
    ram_bytes: float | None = None
    gpu_percent: float | None = None
    gpu_bytes: float | None = None

    def line(self) -> str:
        """The seed's epoch line: ``epoch 1, loss 0.4321, train acc 0.853, ...``."""
        tested = "not tested" if self.test_acc is None else f"test acc {self.test_acc:.3f}"
        return (
            f"epoch {self.epoch}, loss {self.loss:.4f}, train acc {self.train_acc:.3f}, "
            f"{tested}, time {self.seconds:.1f} sec"
        )


@dataclass(frozen=True)
class EpochPredictions:
    """The network's answers on the whole test set after an epoch (arrays in test-set order).

    Sent after each epoch, just before its EpochEnd, for the confusion matrix.
    """

    epoch: int
    labels: np.ndarray  # (N,) int64
    predicted: np.ndarray  # (N,) int64
    probs: np.ndarray  # (N, classes) float32
    class_names: tuple[str, ...]
    images: np.ndarray  # (N, C, H, W) uint8, the test images as stored (shared, not copied, per epoch)
    views: int = 1  # the views of each image scored and averaged: 2 with test-time flips, 5 times that with shifts

    @property
    def accuracy(self) -> float:
        """The share of test images predicted right."""
        return float((self.labels == self.predicted).mean()) if len(self.labels) else 0.0

    @property
    def loss(self) -> float:
        """The test loss: mean cross-entropy of the probabilities against the labels."""
        return log_loss(self.probs, self.labels)

    def confusion(self) -> np.ndarray:
        """Counts (true class rows, predicted class columns)."""
        return confusion_counts(self.labels, self.predicted, len(self.class_names))

    def cell(self, true_class: int, predicted_class: int) -> np.ndarray:
        """Test-set indices of images of ``true_class`` predicted as ``predicted_class``."""
        return np.flatnonzero((self.labels == true_class) & (self.predicted == predicted_class))


@dataclass(frozen=True)
class RunEnd:
    """The run is over: status is finished, finished early, stopped or failed (message says why)."""

    status: RunStatus
    epochs_done: int
    message: str = ""


Event = (
    DownloadProgress | DataProgress | RunStarted | BatchEnd | RunPaused | Steered | EpochPredictions | EpochEnd | RunEnd
)
Callback = Callable[[Event], None]
