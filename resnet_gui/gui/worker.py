"""The engine in a background thread: engine events become Qt signals.

``TrainWorker`` is moved to a QThread and its ``run`` slot calls ``engine.fit``. Each event the
engine reports is re-emitted as a signal carrying the same frozen dataclass; Qt queues it to the
GUI thread. ``finished`` always fires exactly once, whatever happened.
"""

from __future__ import annotations

import sys
import threading
import traceback

from PySide6.QtCore import QObject, Signal, Slot

from ..config import RunConfig
from ..errors import DataError, UserError
from ..events import BatchEnd, DownloadProgress, EpochEnd, Event, RunStarted


class TrainWorker(QObject):
    """Runs one training run; ``finished(status, message, offer_sample)`` reports how it ended."""

    started = Signal(object)
    download_progress = Signal(object)
    batch_end = Signal(object)
    epoch_end = Signal(object)
    finished = Signal(str, str, bool)

    def __init__(self, cfg: RunConfig) -> None:
        super().__init__()
        self._cfg = cfg
        self._stop_event = threading.Event()

    def request_stop(self) -> None:
        """Ask the run to stop after the current batch; safe to call from any thread."""
        self._stop_event.set()

    @property
    def stop_requested(self) -> bool:
        """True once ``request_stop`` was called."""
        return self._stop_event.is_set()

    @Slot()
    def run(self) -> None:
        """Train until done, stopped or failed, then emit ``finished``."""
        status, message, offer_sample = self._fit()
        self.finished.emit(status, message, offer_sample)

    def _fit(self) -> tuple[str, str, bool]:
        try:
            from ..engine import fit

            result = fit(self._cfg, callbacks=[self._bridge], stop=self._stop_event)
        except DataError as exc:
            return "failed", str(exc), bool(exc.offer_sample)
        except UserError as exc:
            return "failed", str(exc), False
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window
            print("resnet-gui: training failed:", file=sys.stderr)
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
            return "failed", f"Training failed: {type(exc).__name__}: {exc}", False
        return result.status, "", False

    def _bridge(self, event: Event) -> None:
        if isinstance(event, BatchEnd):
            self.batch_end.emit(event)
        elif isinstance(event, EpochEnd):
            self.epoch_end.emit(event)
        elif isinstance(event, RunStarted):
            self.started.emit(event)
        elif isinstance(event, DownloadProgress):
            self.download_progress.emit(event)
