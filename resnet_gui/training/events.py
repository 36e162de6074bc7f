"""What a training run reports: frozen dataclasses of plain Python numbers, never tensors.

The engine hands each event to every callback; the GUI worker turns them into Qt signals and
the CLI prints them. Epochs and batches count from 1, as the seed's epoch line does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Union


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


@dataclass(frozen=True)
class EpochEnd:
    """One finished epoch: the numbers of the seed's epoch line, plus throughput and LR."""

    epoch: int
    loss: float
    train_acc: float
    test_acc: float
    seconds: float
    images_per_s: float
    lr: float

    def line(self) -> str:
        """The seed's epoch line: ``epoch 1, loss 0.4321, train acc 0.853, ...``."""
        return (f"epoch {self.epoch}, loss {self.loss:.4f}, train acc {self.train_acc:.3f}, "
                f"test acc {self.test_acc:.3f}, time {self.seconds:.1f} sec")


@dataclass(frozen=True)
class RunEnd:
    """The run is over: status is finished, stopped or failed (message says why)."""

    status: str
    epochs_done: int
    message: str = ""


# EpochPredictions (resnet_gui.inference.predictions) is also emitted after each epoch, just before EpochEnd:
# numpy arrays of the test set's labels, predictions and probabilities, for the confusion matrix.
Event = Union[DownloadProgress, DataProgress, RunStarted, BatchEnd, EpochEnd, RunEnd, Any]
Callback = Callable[[Event], None]
