"""The one way the window runs background work: outcomes in the GUI thread, exactly once, latest wins."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from resnet_gui.errors import DataError
from resnet_gui.gui.jobs import WORKER_NICE, JobContext, Jobs, running_threads


@pytest.fixture
def jobs(qtbot):
    j = Jobs()
    yield j
    j.shutdown()


def test_a_job_runs_off_the_gui_thread_and_answers_in_it(qtbot, jobs: Jobs) -> None:
    seen: list[tuple[str, object]] = []

    def work(ctx: JobContext) -> str:
        ctx.progress(threading.current_thread() is threading.main_thread())
        return "done"

    jobs.lane("a").submit(
        "Work",
        work,
        on_done=lambda r: seen.append(("done", threading.current_thread())),
        on_progress=lambda p: seen.append(("progress", p)),
    )
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert seen == [("progress", False), ("done", threading.main_thread())]
    assert not jobs.busy


def test_each_job_ends_exactly_once_done_error_or_cancelled(qtbot, jobs: Jobs) -> None:
    ends: list[str] = []
    lane = jobs.lane("b")
    started = threading.Event()

    def slow(ctx: JobContext) -> None:
        started.set()
        ctx.stop.wait(5)

    def boom(_ctx: JobContext) -> None:
        raise DataError("no data here", offer_sample=True)

    cancelled = lane.submit(
        "Slow", slow, on_done=lambda _r: ends.append("slow done"), on_cancelled=lambda: ends.append("slow cancelled")
    )
    lane.submit(
        "Boom",
        boom,
        on_error=lambda m, offer: ends.append(f"error {m} {offer}"),
        on_done=lambda _r: ends.append("boom done"),
    )
    lane.submit("Fine", lambda _ctx: 42, on_done=lambda r: ends.append(f"done {r}"))
    assert started.wait(5)
    cancelled.cancel()
    qtbot.waitUntil(lambda: len(ends) == 3, timeout=5000)
    qtbot.wait(100)  # nothing arrives twice
    assert ends == ["slow done", "error no data here True", "done 42"] or ends == [
        "slow cancelled",
        "error no data here True",
        "done 42",
    ]
    assert len(ends) == 3


def test_a_newer_job_with_the_same_key_supersedes_the_older(qtbot, jobs: Jobs) -> None:
    lane = jobs.lane("c", latest_wins=True)
    results: list[int] = []
    stops: list[bool] = []

    def work(n: int):
        def run(ctx: JobContext) -> int:
            ctx.stop.wait(0.2)
            stops.append(ctx.cancelled)
            return n

        return run

    for n in range(5):
        lane.submit("Work", work(n), key="k", on_done=results.append)
    lane.submit("Other", work(99), key="other", on_done=results.append)
    qtbot.waitUntil(lambda: not lane.busy, timeout=10000)
    assert results == [4, 99]  # only the latest of each key reports
    # The two that reported ran to the end; a superseded job either never started or saw its stop flag.
    assert stops.count(False) == 2 and all(stops[: len(stops) - 2])


def test_an_unexpected_error_reaches_the_banner_signal_with_its_label(qtbot, jobs: Jobs, capfd) -> None:
    with qtbot.waitSignal(jobs.error, timeout=5000) as error:
        jobs.lane("d").submit("Exporting the model", lambda _ctx: 1 / 0)
    assert error.args == ["Exporting the model failed: ZeroDivisionError: division by zero", False]
    assert "Traceback" in capfd.readouterr().err


def test_shutdown_stops_every_job_and_waits_for_every_thread(qtbot) -> None:
    jobs = Jobs()
    stopped = threading.Event()
    started: list[str] = []  # the jobs running (a lane's thread runs before its first job does)

    def forever(ctx: JobContext) -> None:
        started.append(threading.current_thread().name)
        while not ctx.stop.wait(0.01):
            pass
        time.sleep(0.2)  # a job that takes a moment to wind down is still waited for
        stopped.set()

    for name in ("e", "f"):
        jobs.lane(name).submit("Forever", forever)
    qtbot.waitUntil(lambda: len(started) == 2 and len(running_threads()) >= 2, timeout=5000)
    jobs.shutdown()
    assert stopped.is_set() and running_threads() == []
    job = jobs.lane("e").submit("Late", lambda _ctx: 1)
    assert job.done and job.stop.is_set()  # nothing starts after shutdown


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads have their own nice value on Linux")
def test_jobs_run_at_a_lower_priority_than_the_window(qtbot, jobs: Jobs) -> None:
    import os

    seen: list[int] = []
    jobs.lane("nice").submit(
        "nice", lambda _ctx: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), on_done=seen.append
    )
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [WORKER_NICE] and os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < WORKER_NICE
