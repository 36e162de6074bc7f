"""Optional TensorBoard logging of a run's events, for users who already live there."""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from ..training.events import BatchEnd, EpochEnd, Event, RunEnd


def tensorboard_available() -> bool:
    """True when the tensorboard package is installed."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


class TensorBoardLogger:
    """An engine callback writing scalars (batch loss; epoch loss, accuracies, LR) to ``logdir``."""

    def __init__(self, logdir: str | Path) -> None:
        if not tensorboard_available():
            raise UserError("TensorBoard logging needs the tensorboard package: pip install tensorboard")
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(logdir))

    def __call__(self, event: Event) -> None:
        if isinstance(event, BatchEnd):
            self.writer.add_scalar("loss/batch", event.loss, (event.epoch - 1) * event.batches + event.batch)
        elif isinstance(event, EpochEnd):
            for name in ("loss", "train_acc", "test_acc", "lr", "images_per_s"):
                if (value := getattr(event, name)) is not None:  # no test accuracy for an epoch not scored
                    self.writer.add_scalar(f"epoch/{name}", value, event.epoch)
            self.writer.flush()
        elif isinstance(event, RunEnd):
            self.writer.close()
