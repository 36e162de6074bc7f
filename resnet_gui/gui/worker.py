"""The engine in a background thread: engine events become Qt signals.

``TrainWorker`` is moved to a QThread and its ``run`` slot calls ``engine.fit``. Each event the
engine reports is re-emitted as a signal carrying the same frozen dataclass; Qt queues it to the
GUI thread. ``finished`` always fires exactly once, whatever happened.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback

from PySide6.QtCore import QObject, Signal, Slot

from ..config import RunConfig
from ..errors import DataError, UserError
from ..events import BatchEnd, DownloadProgress, EpochEnd, Event, RunEnd, RunStarted


def _yield_cpu_to_the_window() -> None:
    """Lower this thread's priority so the GUI thread gets the CPU first when both want it.

    On Linux ``nice`` is per thread and inherited by the threads it starts, so torch's intra-op
    threads created for this run inherit it too: training keeps every core when the window is
    idle, and the window never waits behind it on a small machine.
    """
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except OSError:
            pass  # not permitted here: training still works at normal priority


class TrainWorker(QObject):
    """Runs one training run; ``finished(status, message, offer_sample)`` reports how it ended.

    Events without a signal of their own (such as per-epoch test predictions) go out as
    ``other_event``.
    """

    started = Signal(object)
    download_progress = Signal(object)
    batch_end = Signal(object)
    epoch_end = Signal(object)
    other_event = Signal(object)
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
        _yield_cpu_to_the_window()
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
        elif not isinstance(event, RunEnd):
            self.other_event.emit(event)
