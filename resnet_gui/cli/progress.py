"""What ``resnet-gui train`` prints while it runs: the seed's epoch lines (or JSON lines) on stdout,
and on a terminal a live progress bar (rich) on stderr for downloads, decoding and batches."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from ..training.events import BatchEnd, DataProgress, DownloadProgress, EpochEnd, Event, RunEnd, RunStarted, Steered
from ..training.steering import describe_change


class RunPrinter:
    """An engine callback: epoch lines to ``out``, a live bar to ``err`` when ``err`` is a terminal."""

    def __init__(self, as_json: bool, out: TextIO, err: TextIO) -> None:
        self.as_json, self.out = as_json, out
        self.console = Console(file=err, highlight=False)
        self.live = self.console.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._stage = ""

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted) and not self.as_json:
            print(
                f"training on {event.device} ({event.precision}), {event.params:,} parameters, "
                f"{event.train_size:,} training images",
                file=self.out,
                flush=True,
            )
            if event.batch_size > event.train_size > 0:
                self.console.print(
                    f"note: the batch ({event.batch_size:,}) is larger than the {event.train_size:,} "
                    "training images, so each epoch is one step; lower --batch-size"
                )
        elif isinstance(event, Steered) and not self.as_json:
            self.close()
            where = f"epoch {event.epoch}, batch {event.batch}"
            print(f"changed {describe_change(event.setting, event.value)} at {where}", file=self.out, flush=True)
        elif isinstance(event, RunEnd) and event.message and event.status != "failed" and not self.as_json:
            self.close()
            print(f"{event.status}: {event.message}", file=self.out, flush=True)
        elif isinstance(event, EpochEnd):
            self.close()
            if self.as_json:
                print(json.dumps(asdict(event)), file=self.out, flush=True)
            else:
                print(event.line(), file=self.out, flush=True)
        elif self.live and isinstance(event, BatchEnd):
            self._show(
                f"epoch {event.epoch}",
                event.batch,
                event.batches,
                f"loss {event.loss:.4f}  {event.images_per_s:,.0f} img/s  ETA {event.eta_s:,.0f} s",
            )
        elif self.live and isinstance(event, DataProgress):
            self._show(event.stage, event.done, max(1, event.total), "")
        elif self.live and isinstance(event, DownloadProgress):
            total = f" of {event.total_bytes / 1e6:.1f} MB" if event.total_bytes else ""
            self._show(
                f"downloading {event.file}",
                event.done_bytes,
                event.total_bytes or None,
                f"{event.done_bytes / 1e6:.1f} MB{total}",
            )

    def _show(self, stage: str, done: int, total: int | None, detail: str) -> None:
        if self._progress is None or stage != self._stage:
            self.close()
            # Transient, refreshed on each event (no refresh thread): the bar disappears before the
            # epoch line is printed to stdout, so the two never interleave on one terminal.
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                console=self.console,
                auto_refresh=False,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(stage, total=total, detail=detail)
            self._stage = stage
        assert self._task is not None
        self._progress.update(self._task, completed=done, total=total, detail=detail)
        self._progress.refresh()

    def close(self) -> None:
        """Take the live bar off the terminal."""
        if self._progress is not None:
            self._progress.stop()
            self._progress, self._task, self._stage = None, None, ""
