"""Every background job of the window, run one way: lanes of worker threads with results in the GUI thread.

A ``Lane`` is one worker thread running its jobs one at a time, in the order asked. A job is a
plain function ``fn(ctx)``; ``ctx.stop`` is its cooperative cancel flag and ``ctx.progress(x)``
reports to the GUI thread. Each job ends with exactly one of ``on_done(result)``,
``on_error(message, offer_sample)`` or ``on_cancelled()``, always called in the GUI thread; a
job superseded in a latest-wins lane (a newer job with the same ``key``) ends silently instead.
An exception becomes a message: a ``UserError``'s own text, anything else "<label> failed: ..."
with its traceback on stderr. Errors without an ``on_error`` of their own go to ``Jobs.error``,
which the window shows in its banner. ``Jobs.shutdown`` cancels every job and waits for every
thread, so closing the window never leaves a thread behind.

This module is the only place in the GUI that makes threads (QThread, moveToThread): why not
superqt's ``thread_worker``? It starts a thread per call, while the Results tab needs its jobs
in one thread that keeps the loaded model (and torch's per-thread state) between calls; a lane
gives both that and latest-wins in a few lines.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..errors import Cancelled, DataError, UserError
from .qt_compat import emit

_live_threads: weakref.WeakSet[QThread] = weakref.WeakSet()
WORKER_NICE = 10  # the lanes' threads give way to the window's thread when the CPU is busy


def running_threads() -> list[str]:
    """Names of the lanes' threads still running (a test fixture checks none outlives its test)."""
    return sorted(t.objectName() for t in list(_live_threads) if t.isRunning())


class JobContext:
    """What a running job gets: the stop flag it should check, and a way to report progress."""

    def __init__(self, stop: threading.Event, report: Callable[[object], None]) -> None:
        self.stop = stop
        self._report = report

    @property
    def cancelled(self) -> bool:
        """True once the job was cancelled or superseded."""
        return self.stop.is_set()

    def progress(self, value: object) -> None:
        """Hand ``value`` to the job's ``on_progress`` in the GUI thread (dropped once superseded)."""
        self._report(value)


@dataclass
class Job:
    """A job asked of a lane: cancel it with ``cancel``; ``done`` once it has ended."""

    id: int
    label: str
    key: object
    fn: Callable[[JobContext], Any]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[str, bool], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    on_progress: Callable[[Any], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    superseded: bool = False
    done: bool = False

    def cancel(self) -> None:
        """Ask the job to stop; it ends with ``on_cancelled`` (or its result, if it finished first)."""
        self.stop.set()


def failure_message(label: str, exc: BaseException) -> tuple[str, bool]:
    """(the message for the window, whether to offer the bundled sample) for a job's exception."""
    if isinstance(exc, DataError):
        return str(exc), bool(exc.offer_sample)
    if isinstance(exc, UserError):
        return str(exc), False
    print(f"resnet-gui: {label} failed:", file=sys.stderr)
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    return f"{label} failed: {type(exc).__name__}: {exc}", False


def yield_to_the_window() -> None:
    """Run this worker thread (and the threads it starts, e.g. torch's) at a lower priority than the
    window's: with both cores busy training, the window's thread otherwise waited its turn for up to
    ~110 ms (a 5 ms heartbeat on the development machine); niced, under 70 ms. Linux sets a nice
    value per thread; elsewhere, or where it is refused, the thread keeps its priority."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, tid) < WORKER_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, WORKER_NICE)


class _Runner(QObject):
    """Lives in the lane's thread and runs the jobs handed to it."""

    finished = Signal(int, str, object)  # job id, "done" | "error" | "cancelled", result | (message, offer)
    progressed = Signal(int, object)

    @Slot(object)
    def run(self, job: Job) -> None:
        yield_to_the_window()
        if job.stop.is_set():
            emit(self.finished, job.id, "cancelled", None)
            return
        ctx = JobContext(job.stop, lambda value: emit(self.progressed, job.id, value))
        try:
            result = job.fn(ctx)
        except Cancelled:
            emit(self.finished, job.id, "cancelled", None)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the window as a message
            emit(self.finished, job.id, "error", failure_message(job.label, exc))
        else:
            emit(self.finished, job.id, "done", result)


class Lane(QObject):
    """One worker thread; jobs run one at a time, in order. ``latest_wins``: a new job supersedes
    the unfinished ones with the same key (they are cancelled and end silently)."""

    _submitted = Signal(object)

    def __init__(
        self, name: str, latest_wins: bool, on_unhandled: Callable[[str, bool], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.latest_wins = latest_wins
        self._on_unhandled = on_unhandled
        self._jobs: dict[int, Job] = {}
        self._thread = QThread()
        self._thread.setObjectName(f"resnet-gui {name}")
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        self._submitted.connect(self._runner.run)
        self._runner.finished.connect(self._on_finished)
        self._runner.progressed.connect(self._on_progress)
        self._closed = False

    @property
    def busy(self) -> bool:
        """True while a job is queued or running (or its outcome not yet delivered)."""
        return bool(self._jobs)

    def submit(
        self,
        label: str,
        fn: Callable[[JobContext], Any],
        *,
        key: object = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str, bool], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> Job:
        """Run ``fn(ctx)`` in this lane; ``label`` names it in messages ("Training", "Exporting ...")."""
        job = Job(next(_ids), label, key, fn, on_done, on_error, on_cancelled, on_progress)
        if self._closed:
            job.stop.set()
            job.done = True
            return job
        if self.latest_wins:
            for other in self._jobs.values():
                if other.key == key:
                    other.superseded = True
                    other.stop.set()
        self._jobs[job.id] = job
        if not self._thread.isRunning():
            self._thread.start()
            _live_threads.add(self._thread)
        emit(self._submitted, job)
        return job

    def cancel(self, key: object = ...) -> None:
        """Cancel every unfinished job (or those with ``key``); each ends with ``on_cancelled``."""
        for job in self._jobs.values():
            if key is ... or job.key == key:
                job.stop.set()

    def shutdown(self) -> None:
        """Cancel every job, let the running one return, stop the thread and wait for it."""
        self._closed = True
        for job in self._jobs.values():
            job.superseded = True
            job.stop.set()
        self._thread.quit()
        self._thread.wait()
        self._jobs.clear()

    def _on_progress(self, job_id: int, value: object) -> None:
        job = self._jobs.get(job_id)
        if job is not None and not job.superseded and job.on_progress is not None:
            job.on_progress(value)

    def _on_finished(self, job_id: int, outcome: str, value: Any) -> None:
        job = self._jobs.pop(job_id, None)
        if job is None or job.done:
            return
        job.done = True
        if job.superseded:
            return
        if outcome == "done":
            if job.on_done is not None:
                job.on_done(value)
        elif outcome == "cancelled":
            if job.on_cancelled is not None:
                job.on_cancelled()
        else:
            message, offer_sample = value
            (job.on_error or self._on_unhandled)(message, offer_sample)


_ids = itertools.count(1)


class Jobs(QObject):
    """The window's lanes, by name; ``error(message, offer_sample)`` for failures nobody else handles."""

    error = Signal(str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lanes: dict[str, Lane] = {}

    def lane(self, name: str, latest_wins: bool = False) -> Lane:
        """The lane called ``name``, made on first use."""
        if name not in self._lanes:
            self._lanes[name] = Lane(name, latest_wins, lambda m, o: emit(self.error, m, o), self)
        return self._lanes[name]

    @property
    def busy(self) -> bool:
        """True while any lane has a job."""
        return any(lane.busy for lane in self._lanes.values())

    def shutdown(self) -> None:
        """Cancel every job and wait for every thread."""
        for lane in self._lanes.values():
            lane.shutdown()
