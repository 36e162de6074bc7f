"""What the form's run will cost, worked out in the background as the settings change.

``RunEstimates`` asks the core (``training/estimate.py``) in the "estimate" lane: first the
parameters and memory (instant), then the duration (from the cache, else timed over a few
batches, seconds to a minute). Requests wait for torch to be loaded, are debounced while the
user types, and the latest wins: a change of settings supersedes the estimate under way. No
estimate runs while a run trains or is followed on this machine (it would take the CPU from
that run): one under way is cancelled, and the form's estimate is made once the run has ended.
With ``RESNET_GUI_TIME_ESTIMATES=0`` nothing is timed: only estimates already cached are shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from ...settings.config import RunConfig
from ..jobs import JobContext, Jobs
from ..qt_compat import emit
from .training_job import yield_cpu_to_the_window

DEBOUNCE_MS = 400
KEY = "estimate"


@dataclass(frozen=True)
class Timing:
    """Progress of an estimate: nothing was cached, so the configured network is being timed."""


def timing_allowed() -> bool:
    """False when env RESNET_GUI_TIME_ESTIMATES is 0: the window then times nothing (the tests' setting)."""
    return os.environ.get("RESNET_GUI_TIME_ESTIMATES", "1") != "0"


def estimate_costs(ctx: JobContext, cfg: RunConfig) -> object:
    """The job: reports the CostPreview, then ``Timing`` if it has to time; returns the DurationEstimate
    (None when it is not cached and timing is turned off)."""
    from ...training.estimate import cached_estimate, cost_preview, data_sizes, estimate_run

    yield_cpu_to_the_window()  # as a run in the window does, so that the timing measures what it will get
    sizes = data_sizes(cfg.data)
    ctx.progress(cost_preview(cfg, sizes))
    cached = cached_estimate(cfg, sizes)
    if cached is not None or not timing_allowed():
        return cached
    ctx.progress(Timing())
    return estimate_run(cfg, ctx.stop, sizes)


class RunEstimates(QObject):
    """Estimates for the form's settings: ``previewed(CostPreview)``, ``timing()``, then ``estimated(DurationEstimate)``
    or ``failed(message)``; ``waiting()`` while a run holds the machine."""

    previewed = Signal(object)
    timing = Signal()
    estimated = Signal(object)
    failed = Signal(str)
    waiting = Signal()

    def __init__(self, jobs: Jobs, core_ready: SignalInstance | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lane = jobs.lane("estimate", latest_wins=True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._dispatch)
        self._cfg: RunConfig | None = None
        self._ready = core_ready is None
        self._held = False
        if core_ready is not None:
            core_ready.connect(self._on_core_ready)

    @property
    def busy(self) -> bool:
        """True while an estimate is asked for and not yet answered."""
        return self._lane.busy or self._debounce.isActive()

    def request(self, cfg: RunConfig | None) -> None:
        """Estimate ``cfg`` soon (None: the settings cannot be trained; drop what is under way)."""
        self._cfg = cfg
        if cfg is None:
            self._debounce.stop()
            self._lane.cancel(KEY)
        else:
            self._debounce.start()

    def hold(self, held: bool) -> None:
        """A run trains (or is followed) here: estimate nothing until it has ended."""
        if held == self._held:
            return
        self._held = held
        if held:
            self._debounce.stop()
            self._lane.cancel(KEY)
        elif self._cfg is not None:
            self._debounce.start()

    def _on_core_ready(self, _info: object) -> None:
        self._ready = True
        if self._cfg is not None:
            self._debounce.start()

    def _dispatch(self) -> None:
        cfg = self._cfg
        if not self._ready or self._held or cfg is None:
            return
        self._lane.submit(
            "Estimating the run's duration",
            lambda ctx: estimate_costs(ctx, cfg),
            key=KEY,
            on_done=lambda estimate: emit(self.estimated, estimate),
            on_error=lambda message, _offer: emit(self.failed, message),
            on_cancelled=lambda: emit(self.waiting) if self._held else None,
            on_progress=self._on_progress,
        )

    def _on_progress(self, news: object) -> None:
        if isinstance(news, Timing):
            emit(self.timing)
        else:
            emit(self.previewed, news)
