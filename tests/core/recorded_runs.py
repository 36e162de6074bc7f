"""Training a run recorded in a run store, as the app trains one: epochs in the store, checkpoints in
the run's folder, changes asked of it read before every batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resnet_gui.runs.changes import StoreChanges, ask_change
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig
from resnet_gui.training.engine import FitResult, fit
from resnet_gui.training.events import BatchEnd, Event


def train(
    store: RunStore,
    run_id: int,
    cfg: RunConfig,
    on_event: Callable[[Event], None] = lambda _e: None,
    resume: dict | None = None,
    **kw: Any,
) -> tuple[FitResult, list[Event]]:
    """Train run ``run_id`` recorded in ``store``; (result, events)."""
    events: list[Event] = []

    def callback(event: Event) -> None:
        events.append(event)
        on_event(event)

    result = fit(
        cfg,
        callbacks=[store.recorder(run_id), callback],
        report_every_s=0,
        checkpoint_dir=store.get(run_id).checkpoint_dir,
        changes=StoreChanges(store, run_id, every_s=0),
        resume=resume,
        **kw,
    )
    return result, events


def ask_at(store: RunStore, run_id: int, at: tuple[int, int], setting: str, value: float) -> Callable[[Event], None]:
    """An event callback asking the run for ``setting`` = ``value`` when batch ``at`` = (epoch, batch) ends."""

    def on_event(event: Event) -> None:
        if isinstance(event, BatchEnd) and (event.epoch, event.batch) == at:
            ask_change(store, run_id, setting, value)

    return on_event
