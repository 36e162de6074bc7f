"""The window's menu bar: File (settings as TOML, Reset settings, Quit) and Export (metrics, plots, model).

Each menu entry asks for a file name, then calls a method that tests call directly with a path.
Exports that read the run store or trace a model are jobs in the "exports" lane. The menus know
no other view: they take the form's settings and the plots' exporter as callables, act on the
session's export run, and say what happened through ``message``, ``error`` and ``settings_loaded``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow

from ..errors import UserError
from ..settings.config import RunConfig
from ..settings.toml_io import load_toml, save_toml
from . import questions
from .jobs import Jobs
from .qt_compat import emit
from .session.run_session import RunSession
from .widgets.file_dialogs import ask_save_path

METRICS_FORMATS = {"csv": "CSV table (*.csv)", "json": "JSON document (*.json)"}
MODEL_FORMATS = {"torchscript": ("pt", "TorchScript (*.pt)"), "onnx": ("onnx", "ONNX model (*.onnx)")}
PLOT_FORMATS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)"}
TOML_FILTER = "TOML settings (*.toml);;All files (*)"
NO_RUN = "No run to export yet: train one, or select one in the Runs tab."
# Where a platform has no key for a standard action (Windows has none for Quit), these.
FALLBACK_KEYS = {QKeySequence.StandardKey.Quit: "Ctrl+Q", QKeySequence.StandardKey.SaveAs: "Ctrl+Shift+S"}


def write_run_model(db_path: str, run_id: int, path: str | Path, fmt: str) -> Path:
    """Export a run's trained model (its best checkpoint, else its last) as TorchScript or ONNX."""
    from ..inference.model_export import export_model
    from ..runs.store import RunStore

    run = RunStore(db_path).get(run_id)
    if not run.trained_checkpoint:
        raise UserError(f"Run '{run.name}' has no checkpoint to export: it ended before its first epoch.")
    return export_model(run.trained_checkpoint, path, fmt)


def write_run_metrics(db_path: str, run_id: int, path: str | Path, fmt: str) -> Path:
    """A run's metrics as CSV, or as JSON with its summary, notes and settings (the CLI's exporter)."""
    from ..runs.export import export_run
    from ..runs.store import RunStore

    return export_run(RunStore(db_path), run_id, path, fmt, overwrite=True)  # the file dialog asked already


class WindowMenus(QObject):
    """Builds the File and Export menus of ``window`` and carries out their entries."""

    export_finished = Signal(str)
    export_failed = Signal(str)
    settings_loaded = Signal(object)  # RunConfig, for the form
    reset_requested = Signal()  # File > Reset settings, confirmed
    message = Signal(str)  # for the status bar
    error = Signal(str)  # for the banner

    def __init__(
        self,
        window: QMainWindow,
        session: RunSession,
        jobs: Jobs,
        form_config: Callable[[], RunConfig | None],
        export_plot: Callable[[str, Path], Path],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._lane = jobs.lane("exports")
        self._form_config = form_config
        self._export_plot = export_plot
        self._folder = str(Path.home())
        self._settings_file: str | None = None  # where Save writes without asking: the last file opened or saved
        self.actions: dict[str, QAction] = {}
        self._build()
        session.state_changed.connect(lambda _state: self._enable_for(session.training))

    def _action(
        self, key: str, text: str, handler: Callable[[], None], shortcut: QKeySequence.StandardKey | str | None = None
    ) -> QAction:
        action = QAction(text, self._window)
        if isinstance(shortcut, QKeySequence.StandardKey):  # every binding the platform has for it
            action.setShortcuts(QKeySequence.keyBindings(shortcut) or [QKeySequence(FALLBACK_KEYS.get(shortcut, ""))])
        elif shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(handler)
        self.actions[key] = action
        return action

    def _build(self) -> None:
        bar = self._window.menuBar()
        self.file_menu = file_menu = bar.addMenu("&File")
        file_menu.addAction(
            self._action(
                "open_settings", "&Open settings (TOML)…", self._on_open_settings, QKeySequence.StandardKey.Open
            )
        )
        save = self._action(
            "save_settings", "&Save settings (TOML)", self._on_save_settings, QKeySequence.StandardKey.Save
        )
        file_menu.addAction(save)
        file_menu.addAction(
            self._action(
                "save_settings_as", "Save settings &as…", self._on_save_settings_as, QKeySequence.StandardKey.SaveAs
            )
        )
        file_menu.addSeparator()
        reset = self._action("reset_settings", "&Reset settings…", self._on_reset_settings)
        reset.setToolTip("The form, the window's layout and the theme back to their defaults")
        file_menu.addAction(reset)
        file_menu.addSeparator()
        file_menu.addAction(self._action("quit", "&Quit", self._quit, QKeySequence.StandardKey.Quit))

        export = bar.addMenu("&Export")
        export.addAction(self._action("metrics_csv", "Metrics as &CSV…", lambda: self._on_export_metrics("csv")))
        export.addAction(self._action("metrics_json", "Metrics as &JSON…", lambda: self._on_export_metrics("json")))
        export.addSeparator()
        for plot in ("loss", "accuracy"):
            for fmt in PLOT_FORMATS:
                export.addAction(
                    self._action(
                        f"plot_{plot}_{fmt}",
                        f"{plot.capitalize()} plot as {fmt.upper()}…",
                        partial(self._on_export_plot, plot, fmt),
                    )
                )
        export.addSeparator()
        export.addAction(
            self._action("model_torchscript", "Model as &TorchScript…", lambda: self._on_export_model("torchscript"))
        )
        export.addAction(self._action("model_onnx", "Model as &ONNX…", lambda: self._on_export_model("onnx")))
        export.addSeparator()
        export.addAction(save)
        for key in ("metrics_csv", "metrics_json", "model_torchscript", "model_onnx"):
            self.actions[key].setToolTip("Of the run selected in the Runs tab, else the last run")

    def _quit(self) -> None:
        self._window.close()

    def _enable_for(self, training: bool) -> None:
        """While a run trains in the window, the form cannot change: no loading, no reset."""
        for key in ("open_settings", "reset_settings"):
            self.actions[key].setEnabled(not training)

    @property
    def busy(self) -> bool:
        """True while an export runs in the background."""
        return self._lane.busy

    # --- the functions behind the menu --------------------------------------------------------

    def open_settings_file(self, path: str | Path) -> bool:
        """Load TOML settings into the form; on a bad file say why in the banner and keep the form."""
        try:
            cfg = load_toml(path)
        except UserError as exc:
            emit(self.error, str(exc))
            return False
        self._settings_file = str(path)
        emit(self.settings_loaded, cfg)
        emit(self.message, f"Loaded settings from {path}")
        return True

    def save_settings_file(self, path: str | Path) -> bool:
        """Write the form's settings as TOML; False (with the reason shown) when they are invalid."""
        cfg = self._form_config()
        if cfg is None:
            emit(self.error, "The settings have errors (marked in red): fix them before saving.")
            return False
        try:
            save_toml(cfg, path)
        except OSError as exc:
            emit(self.error, f"Could not save {path}: {exc.strerror or exc}.")
            return False
        self._settings_file = str(path)
        emit(self.message, f"Saved settings to {path}")
        return True

    def export_metrics(self, path: str | Path, fmt: str | None = None, run_id: int | None = None) -> bool:
        """Write a run's metrics (CSV or JSON, from the suffix when ``fmt`` is None) in the background."""
        fmt = fmt or Path(path).suffix.lstrip(".").lower()
        run_id = run_id if run_id is not None else self._session.export_run_id()
        if run_id is None:
            return self._failed(NO_RUN)
        db = str(self._session.runs_db)
        self._start(f"Exporting the metrics of run {run_id}", lambda: write_run_metrics(db, run_id, path, fmt))
        return True

    def export_model(self, path: str | Path, fmt: str, run_id: int | None = None) -> bool:
        """Export a run's trained model as ``torchscript`` or ``onnx`` in the background."""
        run_id = run_id if run_id is not None else self._session.export_run_id()
        if run_id is None:
            return self._failed(NO_RUN)
        db = str(self._session.runs_db)
        label = f"Exporting the model of run {run_id} as {'ONNX' if fmt == 'onnx' else 'TorchScript'}"
        emit(self.message, label + "…")
        self._start(label, lambda: write_run_model(db, run_id, path, fmt))
        return True

    def export_plot(self, plot: str, path: str | Path) -> bool:
        """Save the Training tab's ``plot`` ("loss" or "accuracy") as PNG or SVG (from the suffix)."""
        try:
            self._export_plot(plot, Path(path))
        except (OSError, ValueError) as exc:
            return self._failed(f"Could not save {path}: {exc}")
        emit(self.message, f"Saved {path}")
        emit(self.export_finished, str(path))
        return True

    def _start(self, label: str, work: Callable[[], Path]) -> None:
        self._lane.submit(label, lambda _ctx: work(), on_done=self._on_done, on_error=self._on_error)

    def _on_error(self, message: str, _offer_sample: bool) -> None:
        self._failed(message)

    def _on_done(self, path: Path) -> None:
        emit(self.message, f"Saved {path}")
        emit(self.export_finished, str(path))

    def _failed(self, message: str) -> bool:
        emit(self.error, message)
        emit(self.export_failed, message)
        return False

    # --- menu handlers ------------------------------------------------------------------------

    def _ask_open(self, title: str, filters: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self._window, title, self._folder, filters)
        if path:
            self._folder = str(Path(path).parent)
        return path

    def _ask_save(self, title: str, name: str, filters: str, suffix: str) -> str:
        path = ask_save_path(self._window, title, Path(self._folder) / name, filters, suffix)
        if path:
            self._folder = str(Path(path).parent)
        return path

    def _on_open_settings(self) -> None:
        path = self._ask_open("Open settings", TOML_FILTER)
        if path:
            self.open_settings_file(path)

    def _on_save_settings(self) -> None:
        if self._settings_file:
            self.save_settings_file(self._settings_file)
        else:
            self._on_save_settings_as()

    def _on_save_settings_as(self) -> None:
        name = Path(self._settings_file).name if self._settings_file else "settings.toml"
        path = self._ask_save("Save settings", name, TOML_FILTER, "toml")
        if path:
            self.save_settings_file(path)

    def _on_reset_settings(self) -> None:
        if not self._session.training and questions.ask_reset_settings(self._window):
            self._settings_file = None
            emit(self.reset_requested)

    def _on_export_metrics(self, fmt: str) -> None:
        run_id = self._session.export_run_id()
        if run_id is None:
            self._failed(NO_RUN)
            return
        path = self._ask_save("Export metrics", f"run-{run_id}-metrics.{fmt}", METRICS_FORMATS[fmt], fmt)
        if path:
            self.export_metrics(path, fmt, run_id)

    def _on_export_plot(self, plot: str, fmt: str) -> None:
        path = self._ask_save(f"Save the {plot} plot", f"{plot}.{fmt}", PLOT_FORMATS[fmt], fmt)
        if path:
            self.export_plot(plot, path)

    def _on_export_model(self, fmt: str) -> None:
        run_id = self._session.export_run_id()
        if run_id is None:
            self._failed(NO_RUN)
            return
        suffix, filters = MODEL_FORMATS[fmt]
        path = self._ask_save("Export the model", f"run-{run_id}.{suffix}", filters, suffix)
        if path:
            self.export_model(path, fmt, run_id)
