"""Loading a data set for the Data tab in a background thread: load_dataset, then make_preview.

``DataPreviewLoader`` lives in the GUI thread and owns a QThread in which ``_PreviewJob`` loads
the data set a ``DataConfig`` names and turns it into a ``preview.DataPreview`` (numpy arrays and
plain numbers; no tensor reaches the GUI thread). Each request carries its own
``threading.Event`` as ``stop``: a newer request or ``cancel`` sets the older one's, so the latest
request wins and a slow folder decode ends within a few images. Torch is imported in the thread,
never in the GUI thread.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..settings.config import DataConfig
from ..errors import Cancelled, DataError, UserError
from ..training.events import DataProgress, DownloadProgress
from .qt_compat import emit

if TYPE_CHECKING:
    from ..data.preview import DataPreview

PROGRESS_INTERVAL_S = 0.05
CANCELLED = "Preview cancelled."


class _PreviewJob(QObject):
    """Lives in the background thread; ``load`` runs there."""

    progress = Signal(int, object)
    ready = Signal(int, object)
    failed = Signal(int, str, bool)  # request id, message, whether to offer the bundled sample

    def __init__(self) -> None:
        super().__init__()
        self.latest = 0  # written by the GUI thread; a queued request older than this is skipped

    @Slot(int, object, object)
    def load(self, request_id: int, cfg: DataConfig, stop: threading.Event) -> None:
        if request_id != self.latest or stop.is_set():
            return  # superseded or cancelled before it started
        last = [0.0]

        def on_event(event: Any) -> None:
            if not isinstance(event, (DataProgress, DownloadProgress)):
                return
            now = time.monotonic()
            finished = (event.done >= event.total if isinstance(event, DataProgress)
                        else event.done_bytes >= event.total_bytes > 0)
            if finished or now - last[0] >= PROGRESS_INTERVAL_S:
                last[0] = now
                emit(self.progress, request_id, event)

        try:
            from ..data.datasets import load_dataset
            from ..data.preview import make_preview

            dataset = load_dataset(cfg, on_event, stop)
            if stop.is_set():
                raise Cancelled(CANCELLED)
            preview = make_preview(dataset)
        except Cancelled:
            emit(self.failed, request_id, CANCELLED, False)
        except DataError as exc:
            emit(self.failed, request_id, str(exc), bool(exc.offer_sample))
        except UserError as exc:
            emit(self.failed, request_id, str(exc), False)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window as a message
            traceback.print_exc(file=sys.stderr)
            emit(self.failed, request_id, f"Could not load the data: {type(exc).__name__}: {exc}", False)
        else:
            emit(self.ready, request_id, preview)


class DataPreviewLoader(QObject):
    """GUI-side owner of the preview thread: ``request`` a data set, get ``ready`` or ``failed``.

    Only the latest request reports; ``cancel`` stops it and reports ``cancelled`` at once.
    """

    progress = Signal(object)  # DataProgress or DownloadProgress
    ready = Signal(object)  # preview.DataPreview
    failed = Signal(str, bool)  # message, whether to offer the bundled sample
    cancelled = Signal()
    _load_requested = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("resnet-gui data preview")
        self._job = _PreviewJob()
        self._job.moveToThread(self._thread)
        self._load_requested.connect(self._job.load)
        self._job.progress.connect(self._on_progress)
        self._job.ready.connect(self._on_ready)
        self._job.failed.connect(self._on_failed)
        self._latest = 0
        self._stop: threading.Event | None = None
        self._busy = False
        self._shut_down = False

    @property
    def busy(self) -> bool:
        """True from a request until its result, failure or cancellation."""
        return self._busy

    def request(self, cfg: DataConfig) -> None:
        """Load ``cfg``'s data set and preview it; any earlier request is stopped and dropped."""
        if self._shut_down:
            return
        if self._stop is not None:
            self._stop.set()
        self._latest += 1
        self._job.latest = self._latest
        self._stop = threading.Event()
        self._busy = True
        if not self._thread.isRunning():
            self._thread.start()
        emit(self._load_requested, self._latest, cfg, self._stop)

    def cancel(self) -> None:
        """Stop the running request (a folder decode ends within a few images) and drop its result."""
        if not self._busy:
            return
        if self._stop is not None:
            self._stop.set()
        self._latest += 1
        self._job.latest = self._latest
        self._busy = False
        emit(self.cancelled)

    def shutdown(self) -> None:
        """Stop the current request, end the thread and wait for it."""
        if self._shut_down:
            return
        self._shut_down = True
        if self._stop is not None:
            self._stop.set()
        self._latest += 1
        self._job.latest = self._latest
        self._busy = False
        self._thread.quit()
        self._thread.wait()

    def _on_progress(self, request_id: int, event: object) -> None:
        if request_id == self._latest:
            emit(self.progress, event)

    def _on_ready(self, request_id: int, preview: DataPreview) -> None:
        if request_id == self._latest:
            self._busy = False
            emit(self.ready, preview)

    def _on_failed(self, request_id: int, message: str, offer_sample: bool) -> None:
        if request_id != self._latest:
            return
        self._busy = False
        if message == CANCELLED:
            emit(self.cancelled)
        else:
            emit(self.failed, message, offer_sample)
