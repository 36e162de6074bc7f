"""The core in the background: torch imported after the window's first paint, then layer summaries.

The window paints before torch is imported. ``CoreLoader`` imports the core in the "core" lane,
reports the devices it found, and computes layer summaries there, debounced, one at a time,
the latest request winning; with the training settings, each comes with a memory estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ...settings.config import ModelConfig, TrainConfig
from ..jobs import JobContext, Jobs
from ..qt_compat import emit

DEBOUNCE_MS = 150
START_FALLBACK_MS = 3000  # where no paint event arrives, start anyway (a slow first paint can take over 1 s)


@dataclass(frozen=True)
class CoreInfo:
    """What the GUI learns once torch is loaded."""

    devices: list[str]
    auto_label: str
    data_root: str


def load_core(_ctx: JobContext | None = None) -> CoreInfo:
    """Import the torch-backed core modules, warm them up, and describe this machine.

    The warm-up summary pulls in the modules torch imports lazily on first use, so that the
    first Train click does not import them while the window is waiting.
    """
    from ...training.torch_loading import preload_torch_libraries

    preload_torch_libraries()  # so that importing torch does not hold the window's GIL for long
    from ...data.datasets import resolve_root
    from ...model import summary
    from ...training import devices, engine  # noqa: F401

    summary.summarize(ModelConfig(blocks=(1,), channels=4), (1, 28, 28))
    return CoreInfo(devices.available_devices(), devices.describe_auto(), str(resolve_root(None)))


@dataclass(frozen=True)
class LayerReport:
    """A layer summary and, when the training settings came with the request, its memory estimate.

    ``memory_line`` is "" without them; ``fits`` is False when the peak exceeds the device's free memory.
    """

    summary: object  # resnet_gui.model.summary.Summary
    estimate: object | None = None  # resnet_gui.model.memory.MemoryEstimate
    memory_line: str = ""
    fits: bool = True


def _summarize(model_cfg: ModelConfig, shape: tuple[int, int, int], train: TrainConfig | None = None) -> LayerReport:
    from ...model.summary import summarize

    summary = summarize(model_cfg, shape)
    if train is None:
        return LayerReport(summary)
    from ...model.memory import available_bytes, estimate_memory, format_bytes, memory_line
    from ...training.devices import resolve_device, resolve_precision

    try:
        device = resolve_device(train.device)
    except ValueError as e:
        return LayerReport(summary, memory_line=f"Memory: {e}", fits=False)
    precision = resolve_precision(train.precision, device)
    estimate = estimate_memory(
        model_cfg,
        shape,
        train.batch_size,
        precision,
        train.optimizer,
        train.momentum,
        device=device.type,
        summary=summary,
    )
    line = memory_line(estimate, train.batch_size, precision, train.optimizer, device.type)
    free = available_bytes(device)
    if estimate.peak_bytes <= free:
        return LayerReport(summary, estimate, line)
    return LayerReport(
        summary,
        estimate,
        f"{line} — more than the {format_bytes(free)} free here: training would be refused",
        fits=False,
    )


class CoreLoader(QObject):
    """Emits ``ready(CoreInfo)`` once torch is loaded, and ``summary_ready``/``summary_failed``.

    ``summary_ready`` carries the Summary; ``memory_ready`` follows it with the whole ``LayerReport``.
    """

    ready = Signal(object)
    load_failed = Signal(str)
    summary_ready = Signal(object)
    memory_ready = Signal(object)
    summary_failed = Signal(str)

    def __init__(self, jobs: Jobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lane = jobs.lane("core", latest_wins=True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._dispatch)
        self._pending: tuple[ModelConfig, tuple[int, int, int], TrainConfig | None] | None = None
        self._started = False
        self.info: CoreInfo | None = None

    @property
    def busy(self) -> bool:
        """True while loading, or while a summary is asked for but not yet delivered."""
        return self._lane.busy or self._pending is not None or self._debounce.isActive()

    def start_after_first_paint(self, window: QWidget) -> None:
        """Start loading once ``window`` has painted (or soon after it is shown, whichever comes first)."""
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """The window's first paint (or show) starts the loading."""
        if not self._started and event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self.start)
        elif not self._started and event.type() == QEvent.Type.Show:
            QTimer.singleShot(START_FALLBACK_MS, self.start)
        return False

    def start(self) -> None:
        """Begin importing the core (once)."""
        if not self._started:
            self._started = True
            self._lane.submit(
                "Loading PyTorch",
                load_core,
                key="load",
                on_done=self._on_loaded,
                on_error=lambda message, _offer: emit(self.load_failed, f"Could not load the training core: {message}"),
            )

    def request_summary(
        self, model_cfg: ModelConfig, shape: tuple[int, int, int], train: TrainConfig | None = None
    ) -> None:
        """Summarise ``model_cfg`` soon, with the memory training it as ``train`` says needs (when given);
        earlier requests not yet delivered are dropped."""
        self._pending = (model_cfg, shape, train)
        self._debounce.start()

    def cancel_summary(self) -> None:
        """Drop every request not yet delivered (the form became invalid)."""
        self._pending = None
        self._debounce.stop()
        self._lane.cancel("summary")

    def _dispatch(self) -> None:
        if self._pending is None:
            return
        model_cfg, shape, train = self._pending
        self._pending = None
        self._lane.submit(
            "Summarising the network",
            lambda _ctx: _summarize(model_cfg, shape, train),
            key="summary",
            on_done=self._on_summarized,
            on_error=lambda message, _offer: emit(self.summary_failed, message),
        )

    def _on_summarized(self, report: LayerReport) -> None:
        emit(self.summary_ready, report.summary)
        emit(self.memory_ready, report)

    def _on_loaded(self, info: CoreInfo) -> None:
        self.info = info
        emit(self.ready, info)
