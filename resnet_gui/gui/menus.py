"""The window's menu bar: File (settings as TOML) and Export (metrics, plots, model).

Each menu entry asks for a file name, then calls a method that tests call directly with a path.
Exports that read the run store or trace a model run in a background thread pool
(``BackgroundTasks``); the window shows "Saved …" in its status bar or the problem in its banner.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QWidget

from ..settings.toml_io import load_toml, save_toml
from ..errors import UserError
from .qt_compat import emit
from .worker import open_run_store

if TYPE_CHECKING:
    from .main_window import MainWindow

METRICS_FORMATS = {"csv": "CSV table (*.csv)", "json": "JSON document (*.json)"}
MODEL_FORMATS = {"torchscript": ("pt", "TorchScript (*.pt)"), "onnx": ("onnx", "ONNX model (*.onnx)")}
PLOT_FORMATS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)"}
TOML_FILTER = "TOML settings (*.toml);;All files (*)"
STATUS_MS = 8000


def write_run_metrics(db_path: str | None, run_id: int, path: str | Path, fmt: str) -> Path:
    """Write a run's per-epoch metrics as CSV, or as JSON with the run's summary and settings."""
    from ..inference.export import write_metrics_csv, write_metrics_json

    store = open_run_store(db_path)
    run = store.get(run_id)
    epochs = store.epochs(run_id)
    if fmt == "csv":
        write_metrics_csv(epochs, path)
    else:
        write_metrics_json(epochs, path, {"run": run.summary(), "notes": run.notes, "config": run.config.to_dict()})
    return Path(path)


def write_run_model(db_path: str | None, run_id: int, path: str | Path, fmt: str) -> Path:
    """Export a run's best (else last) checkpoint as TorchScript or ONNX."""
    from ..inference.export import export_onnx, export_torchscript

    run = open_run_store(db_path).get(run_id)
    checkpoint = next((c for c in (run.best_checkpoint, run.last_checkpoint) if c and Path(c).is_file()), None)
    if checkpoint is None:
        raise UserError(f"Run '{run.name}' has no checkpoint to export: it ended before its first epoch.")
    return (export_onnx if fmt == "onnx" else export_torchscript)(checkpoint, path)


class _TaskSignals(QObject):
    done = Signal(str, object)
    failed = Signal(str, str)


class _Task(QRunnable):
    def __init__(self, label: str, work: Callable[[], Any], signals: _TaskSignals) -> None:
        super().__init__()
        self.label, self.work, self.signals = label, work, signals

    def run(self) -> None:
        try:
            result = self.work()
        except UserError as exc:
            emit(self.signals.failed, self.label, str(exc))
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window
            traceback.print_exc(file=sys.stderr)
            emit(self.signals.failed, self.label, f"{self.label} failed: {type(exc).__name__}: {exc}")
        else:
            emit(self.signals.done, self.label, result)


class BackgroundTasks(QObject):
    """Runs callables off the GUI thread, one at a time; ``done(label, result)`` / ``failed(label, message)``."""

    done = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _TaskSignals(self)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._pending = 0

    @property
    def busy(self) -> bool:
        """True while a task is queued or running (or its answer not yet delivered)."""
        return self._pending > 0

    def start(self, label: str, work: Callable[[], Any]) -> None:
        """Run ``work()`` in the pool."""
        self._pending += 1
        self._pool.start(_Task(label, work, self._signals))

    def shutdown(self) -> None:
        """Wait for the running task to finish."""
        self._pool.waitForDone()

    def _on_done(self, label: str, result: object) -> None:
        self._pending -= 1
        emit(self.done, label, result)

    def _on_failed(self, label: str, message: str) -> None:
        self._pending -= 1
        emit(self.failed, label, message)


class WindowMenus(QObject):
    """Builds the File and Export menus of ``window`` and carries out their entries."""

    export_finished = Signal(str)
    export_failed = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.tasks = BackgroundTasks(self)
        self.tasks.done.connect(self._on_task_done)
        self.tasks.failed.connect(self._on_task_failed)
        self._folder = str(Path.home())
        self.actions: dict[str, QAction] = {}
        self._build()

    def _action(self, key: str, text: str, handler: Callable[[], None], shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(handler)
        self.actions[key] = action
        return action

    def _build(self) -> None:
        bar = self.window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("open_settings", "&Open settings (TOML)…", self._on_open_settings, "Ctrl+O"))
        save = self._action("save_settings", "&Save settings (TOML)…", self._on_save_settings, "Ctrl+S")
        file_menu.addAction(save)
        file_menu.addSeparator()
        file_menu.addAction(self._action("quit", "&Quit", self.window.close, "Ctrl+Q"))

        export = bar.addMenu("&Export")
        export.addAction(self._action("metrics_csv", "Metrics as &CSV…", lambda: self._on_export_metrics("csv")))
        export.addAction(self._action("metrics_json", "Metrics as &JSON…", lambda: self._on_export_metrics("json")))
        export.addSeparator()
        for plot in ("loss", "accuracy"):
            for fmt in PLOT_FORMATS:
                export.addAction(self._action(f"plot_{plot}_{fmt}", f"{plot.capitalize()} plot as {fmt.upper()}…",
                                              lambda p=plot, f=fmt: self._on_export_plot(p, f)))
        export.addSeparator()
        export.addAction(self._action("model_torchscript", "Model as &TorchScript…",
                                      lambda: self._on_export_model("torchscript")))
        export.addAction(self._action("model_onnx", "Model as &ONNX…", lambda: self._on_export_model("onnx")))
        export.addSeparator()
        export.addAction(save)
        for key in ("metrics_csv", "metrics_json", "model_torchscript", "model_onnx"):
            self.actions[key].setToolTip("Of the run selected in the Runs tab, else the last run")

    @property
    def busy(self) -> bool:
        """True while an export runs in the background."""
        return self.tasks.busy

    def set_training(self, training: bool) -> None:
        """Opening settings would change the form, which is locked while training."""
        self.actions["open_settings"].setEnabled(not training)

    def shutdown(self) -> None:
        """Wait for a running export."""
        self.tasks.shutdown()

    # --- the functions behind the menu --------------------------------------------------------

    def open_settings_file(self, path: str | Path) -> bool:
        """Load TOML settings into the form; on a bad file show why in the banner and keep the form."""
        try:
            cfg = load_toml(path)
        except UserError as exc:
            self.window.banner.show_error(str(exc))
            return False
        self.window.form.set_config(cfg)
        self.window.banner.hide()
        self._say(f"Loaded settings from {path}")
        return True

    def save_settings_file(self, path: str | Path) -> bool:
        """Write the form's settings as TOML; False (with the reason shown) when they are invalid."""
        cfg = self.window.form.config()
        if cfg is None:
            self.window.banner.show_error("The settings have errors (marked in red): fix them before saving.")
            return False
        try:
            save_toml(cfg, path)
        except OSError as exc:
            self.window.banner.show_error(f"Could not save {path}: {exc.strerror or exc}.")
            return False
        self._say(f"Saved settings to {path}")
        return True

    def export_run_id(self) -> int | None:
        """The run that metrics and model exports use (see ``RunsPanel.export_run_id``)."""
        return self.window.runs_panel.export_run_id()

    def export_metrics(self, path: str | Path, fmt: str | None = None, run_id: int | None = None) -> bool:
        """Write a run's metrics (CSV or JSON, from the suffix when ``fmt`` is None) in the background."""
        fmt = fmt or Path(path).suffix.lstrip(".").lower()
        run_id = run_id if run_id is not None else self.export_run_id()
        if run_id is None:
            return self._no_run()
        db = self.window.runs_panel.db_path or None
        self.tasks.start(f"Exporting metrics of run {run_id}", lambda: write_run_metrics(db, run_id, path, fmt))
        return True

    def export_model(self, path: str | Path, fmt: str, run_id: int | None = None) -> bool:
        """Export a run's trained model as ``torchscript`` or ``onnx`` in the background."""
        run_id = run_id if run_id is not None else self.export_run_id()
        if run_id is None:
            return self._no_run()
        db = self.window.runs_panel.db_path or None
        label = f"Exporting the model of run {run_id} as {'ONNX' if fmt == 'onnx' else 'TorchScript'}"
        self.window.statusBar().showMessage(label + "…")
        self.tasks.start(label, lambda: write_run_model(db, run_id, path, fmt))
        return True

    def export_plot(self, plot: str, path: str | Path) -> bool:
        """Save the Training tab's ``plot`` ("loss" or "accuracy") as PNG or SVG (from the suffix)."""
        fmt = Path(path).suffix.lstrip(".").lower()
        plots = self.window.plots
        exporter = getattr(plots, f"export_{fmt}", None)
        try:
            if exporter is not None:
                exporter(plot, path)
            else:  # a plots widget without exporters: grab its widget
                widget = plots.loss_plot if plot == "loss" else plots.acc_plot
                if not widget.grab().save(str(path)):
                    raise OSError(f"Qt could not write {path}")
        except (OSError, ValueError) as exc:
            self.window.banner.show_error(f"Could not save {path}: {exc}")
            emit(self.export_failed, str(exc))
            return False
        self._say(f"Saved {path}")
        emit(self.export_finished, str(path))
        return True

    # --- menu handlers ------------------------------------------------------------------------

    def _ask_open(self, title: str, filters: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self._parent_widget(), title, self._folder, filters)
        if path:
            self._folder = str(Path(path).parent)
        return path

    def _ask_save(self, title: str, name: str, filters: str, suffix: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self._parent_widget(), title, str(Path(self._folder) / name), filters)
        if not path:
            return ""
        if not path.lower().endswith(f".{suffix}"):
            path += f".{suffix}"
        self._folder = str(Path(path).parent)
        return path

    def _parent_widget(self) -> QWidget:
        return self.window

    def _on_open_settings(self) -> None:
        path = self._ask_open("Open settings", TOML_FILTER)
        if path:
            self.open_settings_file(path)

    def _on_save_settings(self) -> None:
        path = self._ask_save("Save settings", "settings.toml", TOML_FILTER, "toml")
        if path:
            self.save_settings_file(path)

    def _on_export_metrics(self, fmt: str) -> None:
        run_id = self.export_run_id()
        if run_id is None:
            self._no_run()
            return
        path = self._ask_save("Export metrics", f"run-{run_id}-metrics.{fmt}", METRICS_FORMATS[fmt], fmt)
        if path:
            self.export_metrics(path, fmt, run_id)

    def _on_export_plot(self, plot: str, fmt: str) -> None:
        path = self._ask_save(f"Save the {plot} plot", f"{plot}.{fmt}", PLOT_FORMATS[fmt], fmt)
        if path:
            self.export_plot(plot, path)

    def _on_export_model(self, fmt: str) -> None:
        run_id = self.export_run_id()
        if run_id is None:
            self._no_run()
            return
        suffix, filters = MODEL_FORMATS[fmt]
        path = self._ask_save("Export the model", f"run-{run_id}.{suffix}", filters, suffix)
        if path:
            self.export_model(path, fmt, run_id)

    # --- feedback -----------------------------------------------------------------------------

    def _on_task_done(self, _label: str, result: object) -> None:
        self._say(f"Saved {result}")
        emit(self.export_finished, str(result))

    def _on_task_failed(self, _label: str, message: str) -> None:
        self.window.statusBar().clearMessage()
        self.window.banner.show_error(message)
        emit(self.export_failed, message)

    def _no_run(self) -> bool:
        message = "No run to export yet: train one, or select one in the Runs tab."
        self.window.banner.show_error(message)
        emit(self.export_failed, message)
        return False

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, STATUS_MS)
