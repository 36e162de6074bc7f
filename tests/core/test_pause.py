"""Pausing the engine: it says where it halted, holds, and goes on where it stopped."""

from __future__ import annotations

import threading

from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd, RunPaused

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 8},
    train={"epochs": 1, "batch_size": 1000, "precision": "fp32"},
)


def test_a_paused_run_reports_where_it_halted_and_finishes_after_resume() -> None:
    pause, halted = threading.Event(), threading.Event()
    events: list[object] = []

    def on_event(event: object) -> None:
        events.append(event)
        if isinstance(event, BatchEnd) and event.batch == 2:
            pause.set()
        if isinstance(event, RunPaused):
            halted.set()

    result: list[object] = []
    worker = threading.Thread(
        target=lambda: result.append(fit(CFG, callbacks=[on_event], pause=pause, report_every_s=0))
    )
    worker.start()
    assert halted.wait(60)
    batches_at_halt = sum(isinstance(e, BatchEnd) for e in events)
    assert not worker.join(0.5) and worker.is_alive()  # held
    assert sum(isinstance(e, BatchEnd) for e in events) == batches_at_halt
    pause.clear()
    worker.join(60)
    assert [e for e in events if isinstance(e, RunPaused)] == [RunPaused(1, 2)]
    assert result[0].status == "finished" and [e.batch for e in events if isinstance(e, BatchEnd)] == list(range(1, 7))
