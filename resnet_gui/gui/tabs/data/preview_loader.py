"""Loading a data set for the Data tab in the "data-preview" lane: load_dataset, then make_preview.

The job turns the data set into a ``preview.DataPreview`` (numpy arrays and plain numbers; no
tensor reaches the GUI thread). A newer request or ``cancel`` stops the older one through its
stop flag, so the latest request wins and a slow folder decode ends within a few images.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from ....errors import Cancelled
from ....settings.config import DataConfig
from ....training.events import DataProgress, DownloadProgress
from ...jobs import Job, JobContext, Jobs
from ...qt_compat import emit

if TYPE_CHECKING:
    from ....data.preview import DataPreview

PROGRESS_INTERVAL_S = 0.05


def load_preview(ctx: JobContext, cfg: DataConfig) -> DataPreview:
    """The preview of ``cfg``'s data set, reporting download and decoding progress (throttled)."""
    from ....data.datasets import load_dataset
    from ....data.preview import make_preview

    last = [0.0]

    def on_event(event: Any) -> None:
        if not isinstance(event, (DataProgress, DownloadProgress)):
            return
        now = time.monotonic()
        finished = (
            event.done >= event.total if isinstance(event, DataProgress) else event.done_bytes >= event.total_bytes > 0
        )
        if finished or now - last[0] >= PROGRESS_INTERVAL_S:
            last[0] = now
            ctx.progress(event)

    dataset = load_dataset(cfg, on_event, ctx.stop)
    if ctx.cancelled:
        raise Cancelled("Preview cancelled.")
    return make_preview(dataset)


class DataPreviewLoader(QObject):
    """``request`` a data set, get ``ready`` or ``failed``; ``cancel`` stops it and says ``cancelled`` at once."""

    progress = Signal(object)  # DataProgress or DownloadProgress
    ready = Signal(object)  # preview.DataPreview
    failed = Signal(str, bool)  # message, whether to offer the bundled sample
    cancelled = Signal()

    def __init__(self, jobs: Jobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lane = jobs.lane("data-preview", latest_wins=True)
        self._job: Job | None = None

    @property
    def busy(self) -> bool:
        """True from a request until its result, failure or cancellation."""
        return self._job is not None

    def request(self, cfg: DataConfig) -> None:
        """Load ``cfg``'s data set and preview it; any earlier request is stopped and dropped."""
        job = self._lane.submit(
            "Loading the data",
            lambda ctx: load_preview(ctx, cfg),
            on_done=lambda preview: self._end(job, self.ready, preview),
            on_error=lambda message, offer: self._end(job, self.failed, message, offer),
            on_cancelled=lambda: self._end(job, None),
            on_progress=lambda event: emit(self.progress, event),
        )
        self._job = job

    def cancel(self) -> None:
        """Stop the running request and drop its result."""
        if self._job is not None:
            self._job.superseded = True  # its end is not reported: "cancelled" is said now
            self._job.cancel()
            self._job = None
            emit(self.cancelled)

    def _end(self, job: Job, signal: Any, *args: object) -> None:
        if job is not self._job:
            return
        self._job = None
        emit(signal if signal is not None else self.cancelled, *args)
