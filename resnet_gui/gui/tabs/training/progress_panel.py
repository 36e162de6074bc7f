"""Epoch and run progress bars with throughput and ETA, data preparation (downloads, decoding), the status line, and
the machine's load (CPU, memory, GPU) as the engine samples it: with each progress report for a run in the window,
per epoch for a run followed from the run history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QLabel, QProgressBar, QWidget

from ....training.events import BatchEnd, DataProgress, DownloadProgress, EpochEnd, RunStarted, Steered
from ....units import describe_load

if TYPE_CHECKING:
    from ...session.run_session import RunSession

PAUSED_TEXT = "Paused — press Resume to continue, or Stop to end the run"

STEPS = 1000


def format_duration(seconds: float) -> str:
    """72.4 -> "1:12"; 3725 -> "1:02:05"."""
    total = max(0, round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def one_step_warning(event: RunStarted) -> str:
    """A note when the batch is larger than the training set (one step per epoch), else ""."""
    if event.batch_size > event.train_size > 0:
        return (
            f" — note: the batch ({event.batch_size:,}) is larger than the {event.train_size:,} training "
            "images, so each epoch is one step; lower the batch size"
        )
    return ""


class ProgressPanel(QWidget):
    """Shows where a run is: epoch and run bars, images/s, ETA, device and precision."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.epoch_bar = self._bar()
        self.run_bar = self._bar()
        self.status_label = QLabel("Idle")
        self.status_label.setObjectName("run-status")
        self.status_label.setWordWrap(True)
        layout = QFormLayout(self)
        layout.addRow("Epoch", self.epoch_bar)
        layout.addRow("Run", self.run_bar)
        layout.addRow("Status", self.status_label)
        self.load_label = QLabel()
        self.load_label.setObjectName("machine-load")
        self.load_label.setToolTip(
            "The machine's CPU busy share and this run's process memory (and on a GPU its utilisation and the memory "
            "PyTorch holds), sampled with each progress report; each epoch's average and peak go into the run history"
        )
        layout.addRow("Machine", self.load_label)
        self._epochs = 1
        self._setup = ""
        self._preparing = False  # from Train until RunStarted: loading, downloading or decoding the data
        self._before_pause = ""
        self.reset()

    def bind(self, session: RunSession) -> None:
        """Show the progress of ``session``'s runs, in the window or followed."""
        session.cleared.connect(self.reset)
        session.state_changed.connect(self._on_state_changed)
        session.status.connect(self.status_label.setText)
        session.run_started.connect(self.show_started)
        session.paused_at.connect(self.show_paused)
        session.data_progress.connect(self.show_event)
        session.batch_end.connect(self.show_batch)
        session.epoch_end.connect(self.show_epoch)
        session.steered.connect(self.show_steered)
        session.run_ended.connect(lambda status, message, _offer: self.show_finished(status, message))

    def _on_state_changed(self, state: str) -> None:
        if state == "preparing":
            self.show_preparing()
        elif state == "paused":
            self._before_pause = self.status_label.text()
            self.status_label.setText(PAUSED_TEXT)
        elif state == "training" and self.status_label.text().startswith("Paused"):
            self.status_label.setText(self._before_pause)
        elif state in ("stopping", "follow-stopping"):
            self.show_stopping()

    @staticmethod
    def _bar() -> QProgressBar:
        bar = QProgressBar()
        bar.setRange(0, STEPS)
        bar.setTextVisible(True)
        return bar

    def reset(self) -> None:
        """Empty bars, ready for a new run."""
        for bar in (self.epoch_bar, self.run_bar):
            bar.setValue(0)
            bar.setFormat("")
        self._setup = ""
        self._epoch_load = ""
        self.load_label.setText("—")

    def run_percent(self) -> float:
        """The run bar's fill, 0 to 100."""
        return 100.0 * self.run_bar.value() / STEPS

    def epoch_percent(self) -> float:
        """The epoch bar's fill, 0 to 100."""
        return 100.0 * self.epoch_bar.value() / STEPS

    def show_preparing(self) -> None:
        """The worker started; data and model are being set up."""
        self.reset()
        self._preparing = True
        self.status_label.setText("Preparing data and model…")

    def show_event(self, event: object) -> None:
        """Any engine event without a handler of its own: shows the ones this panel knows, ignores the rest."""
        if isinstance(event, DataProgress):
            self.show_data_progress(event)

    def show_data_progress(self, event: DataProgress) -> None:
        """Preparing the data, e.g. "decoding images 1,234/5,000"."""
        if event.total > 0:
            self.epoch_bar.setValue(int(STEPS * min(event.done / event.total, 1.0)))
        self.epoch_bar.setFormat(f"{event.stage} {event.done:,}/{event.total:,}")
        self.status_label.setText(f"Preparing the data: {event.stage} {event.done:,} of {event.total:,}…")

    def show_download(self, event: DownloadProgress) -> None:
        """Bytes fetched of one data file."""
        if event.total_bytes > 0:
            fraction = event.done_bytes / event.total_bytes
            self.epoch_bar.setValue(int(STEPS * min(fraction, 1.0)))
            self.epoch_bar.setFormat(f"downloading {event.file}: {fraction:.0%}")
        else:
            self.epoch_bar.setFormat(f"downloading {event.file}: {event.done_bytes / 1e6:.1f} MB")
        self.status_label.setText(f"Downloading {event.file}…")

    def show_started(self, event: RunStarted) -> None:
        """The run is set up: show device, precision and data sizes."""
        self._preparing = False
        self._epochs = max(event.epochs, 1)
        sizes = f"{event.train_size:,} train / {event.test_size:,} test images · " if event.train_size else ""
        self._setup = f"{event.device} · {event.precision} · {sizes}{event.params:,} parameters"
        self.epoch_bar.setValue(0)
        self.epoch_bar.setFormat(f"epoch {event.start_epoch}/{event.epochs}")
        self.run_bar.setValue(self._run_steps(event.start_epoch - 1))
        self.run_bar.setFormat("%p%")
        self.status_label.setText(f"Training on {self._setup}{one_step_warning(event)}")

    def show_batch(self, event: BatchEnd) -> None:
        """Progress inside an epoch, with throughput and time left."""
        within = event.batch / max(event.batches, 1)
        self.epoch_bar.setValue(int(STEPS * within))
        self.epoch_bar.setFormat(f"epoch {event.epoch}/{self._epochs} · batch {event.batch}/{event.batches}")
        self.run_bar.setValue(self._run_steps(event.epoch - 1 + within))
        if event.images_per_s > 0:
            self.run_bar.setFormat(f"%p% · {event.images_per_s:,.0f} img/s · ETA {format_duration(event.eta_s)}")
        else:  # a followed run before its speed is known
            self.run_bar.setFormat("%p%")
        load = describe_load(event.cpu_percent, event.ram_bytes, event.gpu_percent, event.gpu_bytes)
        if load:  # a followed run's batches carry none: its epochs' figures stay
            self.load_label.setText(load)

    def show_epoch(self, event: EpochEnd) -> None:
        """An epoch finished."""
        self.epoch_bar.setValue(STEPS)
        self.epoch_bar.setFormat(f"epoch {event.epoch}/{self._epochs} done · {event.seconds:.1f} s")
        self.run_bar.setValue(self._run_steps(event.epoch))
        self.run_bar.setFormat(f"%p% · {event.images_per_s:,.0f} img/s")
        load = describe_load(event.cpu_percent, event.ram_bytes, event.gpu_percent, event.gpu_bytes)
        if load:
            self._epoch_load = f"epoch {event.epoch}: {load} (mean load, peak memory)"
            self.load_label.setText(self._epoch_load)

    def show_steered(self, event: Steered) -> None:
        """The run applied a change: a new number of epochs re-scales the run's bar."""
        if event.setting == "epochs":
            self._epochs = max(int(event.value), 1)

    def show_finished(self, status: str, message: str = "") -> None:
        """The run ended: finished (early), stopped or failed."""
        if status in ("finished", "finished early"):
            self.epoch_bar.setValue(STEPS)
            self.run_bar.setValue(STEPS)
        self.run_bar.setFormat(f"%p% · {status}")  # no stale speed or ETA once it has ended
        suffix = f" — {self._setup}" if self._setup else ""
        if status == "stopped" and self._preparing:
            suffix = " before training began (while preparing the data)"
            self.epoch_bar.setFormat(self.epoch_bar.format() + " · stopped" if self.epoch_bar.format() else "")
        self._preparing = False
        if self._epoch_load:
            self.load_label.setText(f"last {self._epoch_load}")
        text = {"finished": "Finished", "stopped": "Stopped", "failed": "Failed"}.get(status, status.capitalize())
        said = status in ("failed", "finished early") and message
        self.status_label.setText(text + suffix + (f": {message}" if said else ""))

    def show_paused(self, epoch: int, batches_done: int) -> None:
        """The run has come to a halt (not merely been asked to): say where."""
        if self.status_label.text() == PAUSED_TEXT:
            self.status_label.setText(
                f"Paused at epoch {epoch}, batch {batches_done} — press Resume to continue, or Stop to end the run"
            )

    def show_stopping(self) -> None:
        """Stop was requested; the current batch (or the data step under way) is finishing."""
        self.status_label.setText(
            "Stopping: cancelling the data preparation…" if self._preparing else "Stopping after this batch…"
        )

    def _run_steps(self, epochs_done: float) -> int:
        # The whole run's share, as the epoch bar counts (a resumed run starts part-way along).
        fraction = epochs_done / max(self._epochs, 1)
        return int(STEPS * min(max(fraction, 0.0), 1.0))
