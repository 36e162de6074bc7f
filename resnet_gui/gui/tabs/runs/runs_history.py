"""The Runs tab's access to the run history: every read and write as a job in the "runs" lane.

A slow disk must never stall the window, and the store module loads torch's checkpoint code, so
the GUI thread never opens the store. Requests run one at a time in the order made (a refresh
after a delete sees it); listing is coalesced (one read at a time, the latest request wins).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ....runs.seeds import launch_seeds
from ....settings.config import RunConfig
from ...jobs import Jobs
from ...qt_compat import emit
from ...session.training_job import open_run_store
from .runs_table import list_runs, load_details


class RunsHistory(QObject):
    """Ask with the methods, hear back through the signals (``failed`` carries a message)."""

    listed = Signal(str, object)  # database path, [RunRecord]
    details_loaded = Signal(object)  # RunDetails
    changed = Signal()
    launched = Signal(str)  # what was started, in words
    failed = Signal(str)

    def __init__(self, jobs: Jobs, db_path: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lane = jobs.lane("runs")
        self._db_path = db_path
        self._store: Any = None
        self._listing = False
        self._list_again = False
        self._details_id = 0

    @property
    def busy(self) -> bool:
        """True while a request is outstanding."""
        return self._lane.busy or self._list_again

    def _open(self) -> Any:
        if self._store is None:  # in the lane's thread
            self._store = open_run_store(self._db_path)
        return self._store

    def _ask(self, label: str, work: Callable[[Any], Any], on_done: Callable[[Any], None]) -> None:
        self._lane.submit(
            label,
            lambda _ctx: work(self._open()),
            on_done=on_done,
            on_error=lambda message, _offer: self._on_failed(message),
        )

    def refresh(self) -> None:
        """Re-read the run list; answered by ``listed``."""
        if self._listing:
            self._list_again = True
            return
        self._listing, self._list_again = True, False
        self._ask("Reading the run history", list_runs, self._on_listed)

    def load_details(self, runs: list[tuple[int, RunConfig]]) -> None:
        """Read the epochs of ``runs`` and their differing settings; answered by ``details_loaded`` (latest only)."""
        self._details_id += 1
        request = self._details_id

        def deliver(details: Any) -> None:
            if request == self._details_id:
                emit(self.details_loaded, details)

        self._ask("Reading the runs' metrics", lambda store: load_details(store, runs), deliver)

    def forget_details(self) -> None:
        """Drop any details request not yet answered."""
        self._details_id += 1

    def rename(self, run_id: int, name: str) -> None:
        """Rename a run; ``changed`` follows."""
        self._ask("Renaming the run", lambda store: store.rename(run_id, name), lambda _: emit(self.changed))

    def set_notes(self, run_id: int, notes: str) -> None:
        """Replace a run's notes; ``changed`` follows."""
        self._ask("Saving the notes", lambda store: store.set_notes(run_id, notes), lambda _: emit(self.changed))

    def set_tags(self, run_id: int, tags: list[str]) -> None:
        """Replace a run's tags; ``changed`` follows."""
        self._ask("Saving the tags", lambda store: store.set_tags(run_id, tags), lambda _: emit(self.changed))

    def set_color(self, run_id: int, color: str) -> None:
        """Give a run its own colour ("#rrggbb", "" for the palette's); ``changed`` follows."""
        self._ask("Saving the colour", lambda store: store.set_color(run_id, color), lambda _: emit(self.changed))

    def repeat(self, cfg: RunConfig, seeds: int, name: str) -> None:
        """Start ``seeds`` background runs of ``cfg`` differing only in the seed; ``launched`` says so."""

        def start(store: Any) -> str:
            tag, launches = launch_seeds(cfg, seeds, store.path, name)
            first = cfg.train.seed or 0
            return f"Started {len(launches)} background runs of '{name}', seeds {first} to {first + seeds - 1}: {tag}"

        self._ask("Starting the runs", start, lambda message: emit(self.launched, message))

    def delete(self, run_ids: list[int]) -> None:
        """Delete runs with their checkpoints; ``changed`` follows."""

        def delete_all(store: Any) -> None:
            for run_id in run_ids:
                store.delete(run_id)

        self._ask("Deleting the runs", delete_all, lambda _: emit(self.changed))

    def _on_listed(self, answer: tuple[str, list[Any]]) -> None:
        self._listing = False
        db_path, runs = answer
        emit(self.listed, db_path, runs)
        if self._list_again:
            self.refresh()

    def _on_failed(self, message: str) -> None:
        self._listing = False
        emit(self.failed, message)
        if self._list_again:
            self.refresh()
