"""Following a run that another process records: what is new in the run history, as training events.

A window follows a background run (or one started from the command line) by polling the store;
``RunWatcher.poll`` turns the rows recorded since the last poll into the same events the engine
sends a run in the window (RunStarted, BatchEnd, Steered, EpochEnd, RunEnd), so one set of views shows both.
Throughput and time left are estimated from how fast batches arrive between polls.
"""

from __future__ import annotations

import math
import time

from ..training.events import BatchEnd, Event, RunEnd, RunStarted, Steered
from .changes import run_changes
from .status import RunStatus
from .store import RunRecord, RunStore


class RunWatcher:
    """The events of run ``run_id`` not yet seen, one ``poll`` at a time."""

    def __init__(self, store: RunStore, run_id: int) -> None:
        self.store, self.run_id = store, run_id
        self._started = False
        self._epochs_seen = 0
        self._last: tuple[int, int] = (0, 0)  # (epoch, batch) of the newest batch row seen
        self._rate: tuple[float, int] | None = None  # (time, global batch) at the previous new batch
        self._changes_seen: set[int] = set()  # the applied changes already reported

    def poll(self) -> tuple[RunRecord, list[Event]]:
        """The run's record and the events recorded since the last poll (RunEnd once it has ended)."""
        run = self.store.get(self.run_id)  # before the metrics: an ended run's last points are then all read
        events: list[Event] = []
        if not self._started:
            self._started = True
            events.append(
                RunStarted(run.epochs_planned, 0, 0, 0, run.device or "?", run.precision or "?", (), run.params or 0, 1)
            )
        epochs = self.store.epochs(self.run_id)
        new_epochs = epochs[self._epochs_seen :]
        self._epochs_seen = len(epochs)
        rows = self.store.batches_after(self.run_id, *self._last)
        batches = self._batches(run, rows) if rows else []
        if rows:
            self._last = rows[-1][:2]
        # In the order they happened: an epoch's end after its batches, before the next epoch's.
        timeline: list[tuple[tuple[int, float], Event]] = [((b.epoch, b.batch), b) for b in batches]
        timeline += [((e.epoch, math.inf), e) for e in new_epochs]
        timeline += [((s.epoch, s.batch + 0.5), s) for s in self._steered()]
        events += [event for _, event in sorted(timeline, key=lambda pair: pair[0])]
        if run.status != RunStatus.RUNNING:
            events.append(RunEnd(run.status, run.epochs_done, run.error))
        return run, events

    def _steered(self) -> list[Steered]:
        """The changes the run has applied since the last poll."""
        news = [c for c in run_changes(self.store, self.run_id) if c.applied and c.seq not in self._changes_seen]
        self._changes_seen.update(c.seq for c in news)
        return [Steered(c.seq, c.setting, c.value, c.epoch or 0, c.batch or 0) for c in news]

    def _batches(self, run: RunRecord, rows: list[tuple[int, int, int, float]]) -> list[BatchEnd]:
        now = time.monotonic()
        epoch, batch, batches, _ = rows[-1]
        done = (epoch - 1) * batches + batch
        per_s = 0.0
        if self._rate is not None and now > self._rate[0] and done > self._rate[1]:
            per_s = (done - self._rate[1]) / (now - self._rate[0])
        self._rate = (now, done)
        images_per_s = per_s * run.config.train.batch_size
        left = run.epochs_planned * batches - done
        eta = left / per_s if per_s > 0 else 0.0
        return [BatchEnd(e, b, n, loss, images_per_s, 0.0, eta) for e, b, n, loss in rows]
