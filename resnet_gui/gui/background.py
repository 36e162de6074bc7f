"""Torch-backed work off the GUI thread: loading the core modules and summarising models.

The window paints before torch is imported. ``BackgroundCore`` then imports the core in its
own QThread, reports the devices it found, and computes layer summaries there, debounced,
one at a time, with the latest request winning.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..settings.config import ModelConfig
from .qt_compat import emit

DEBOUNCE_MS = 150


@dataclass(frozen=True)
class CoreInfo:
    """What the GUI learns once torch is loaded."""

    devices: list[str]
    auto_label: str
    data_root: str


def load_core() -> CoreInfo:
    """Import the torch-backed core modules, warm them up, and describe this machine.

    The warm-up summary pulls in the modules torch imports lazily on first use, so that the
    first Train click does not import them while the window is waiting.
    """
    from ..model import summary
    from ..training import devices, engine  # noqa: F401
    from ..data.datasets import resolve_root

    summary.summarize(ModelConfig(blocks=(1,), channels=4), (1, 28, 28))
    return CoreInfo(devices.available_devices(), devices.describe_auto(), str(resolve_root(None)))


class _CoreJob(QObject):
    """Lives in the background thread; every slot runs there."""

    loaded = Signal(object)
    load_failed = Signal(str)
    computed = Signal(int, object)
    compute_failed = Signal(int, str)

    @Slot()
    def load(self) -> None:
        try:
            info = load_core()
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc(file=sys.stderr)
            emit(self.load_failed, f"Could not load the training core: {type(exc).__name__}: {exc}")
            return
        emit(self.loaded, info)

    @Slot(int, object, object)
    def compute(self, request_id: int, model_cfg: ModelConfig, shape: Any) -> None:
        try:
            from ..model.summary import summarize

            result = summarize(model_cfg, tuple(shape))
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc(file=sys.stderr)
            emit(self.compute_failed, request_id, f"{type(exc).__name__}: {exc}")
            return
        emit(self.computed, request_id, result)


class BackgroundCore(QObject):
    """GUI-side owner of the background thread; emits ``ready`` and ``summary_ready``."""

    ready = Signal(object)
    load_failed = Signal(str)
    summary_ready = Signal(object)
    summary_failed = Signal(str)
    _load_requested = Signal()
    _compute_requested = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("resnet-gui core")
        self._job = _CoreJob()
        self._job.moveToThread(self._thread)
        self._load_requested.connect(self._job.load)
        self._compute_requested.connect(self._job.compute)
        self._job.loaded.connect(self._on_loaded)
        self._job.load_failed.connect(self.load_failed)
        self._job.computed.connect(self._on_computed)
        self._job.compute_failed.connect(self._on_compute_failed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._dispatch)
        self._info: CoreInfo | None = None
        self._latest_id = 0
        self._pending: tuple[int, ModelConfig, tuple[int, int, int]] | None = None
        self._in_flight = False
        self._shut_down = False

    @property
    def info(self) -> CoreInfo | None:
        """The loaded core's description, or None while it loads."""
        return self._info

    @property
    def busy(self) -> bool:
        """True while a summary is requested but not yet delivered."""
        return self._in_flight or self._pending is not None or self._debounce.isActive()

    def start(self) -> None:
        """Start the thread and begin importing the core (not after ``shutdown``)."""
        if self._shut_down or self._thread.isRunning():
            return
        self._thread.start()
        emit(self._load_requested)

    def request_summary(self, model_cfg: ModelConfig, shape: tuple[int, int, int]) -> None:
        """Summarise ``model_cfg`` soon; earlier requests not yet delivered are dropped."""
        self._latest_id += 1
        self._pending = (self._latest_id, model_cfg, shape)
        self._debounce.start()

    def cancel_summary(self) -> None:
        """Drop every request not yet delivered (the form became invalid)."""
        self._latest_id += 1
        self._pending = None
        self._debounce.stop()

    def shutdown(self) -> None:
        """Stop the thread and wait for it (at most the current job)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._debounce.stop()
        self._pending = None
        self._thread.quit()
        self._thread.wait()

    def _dispatch(self) -> None:
        if self._info is None or self._in_flight or self._pending is None or self._shut_down:
            return
        request_id, model_cfg, shape = self._pending
        self._pending = None
        self._in_flight = True
        emit(self._compute_requested, request_id, model_cfg, shape)

    def _dispatch_unless_debouncing(self) -> None:
        if not self._debounce.isActive():
            self._dispatch()

    def _on_loaded(self, info: CoreInfo) -> None:
        self._info = info
        emit(self.ready, info)
        self._dispatch_unless_debouncing()

    def _on_computed(self, request_id: int, result: object) -> None:
        self._in_flight = False
        if request_id == self._latest_id:
            emit(self.summary_ready, result)
        self._dispatch_unless_debouncing()

    def _on_compute_failed(self, request_id: int, message: str) -> None:
        self._in_flight = False
        if request_id == self._latest_id:
            emit(self.summary_failed, message)
        self._dispatch_unless_debouncing()
