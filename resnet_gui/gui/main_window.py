"""The main window: layout and wiring of the form, the views and the training worker."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..settings.config import RunConfig, validate
from ..training.events import BatchEnd, EpochEnd
from .tabs.architecture.architecture_view import ArchitectureView
from .background import BackgroundCore, CoreInfo
from .background_runs import BackgroundControls, BackgroundRuns
from .form.config_form import ConfigForm
from .tabs.data.data_view import DataPreviewView
from .widgets.error_banner import ErrorBanner
from .tabs.layers.layer_table import LayerTable
from .menus import WindowMenus
from .tabs.training.plots import TrainingPlots
from .tabs.training.progress_panel import ProgressPanel
from .qt_compat import emit
from .tabs.results.results_view import ResultsView
from .tabs.runs.runs_panel import RunsPanel
from .worker import TrainWorker

SETTINGS_CONFIG_KEY = "form/config"
SETTINGS_GEOMETRY_KEY = "window/geometry"
CORE_START_FALLBACK_MS = 1000


class MainWindow(QMainWindow):
    """Form on the left; Training and Layers tabs on the right; Train and Stop below the form."""

    run_finished = Signal(str)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("resnet-gui — ResNet training dashboard")
        self._settings = settings
        self._thread: QThread | None = None
        self._worker: TrainWorker | None = None
        self._training = False
        self._close_pending = False
        self._summary_key: object = None
        self.last_status = ""
        self.history: list[EpochEnd] = []

        self.form = ConfigForm()
        self.background_controls = BackgroundControls()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setEnabled(False)
        self.pause_button.setToolTip("Pause training (everything stays in memory); press Resume to continue")
        self._status_before_pause = ""
        self._resume: tuple[int, RunConfig] | None = None
        self.banner = ErrorBanner()
        self.progress = ProgressPanel()
        self.plots = TrainingPlots()
        self.layer_table = LayerTable()
        self.architecture = ArchitectureView()
        self.results = ResultsView()
        self.data_preview = DataPreviewView()
        self.runs_panel = RunsPanel()
        self.tabs = QTabWidget()
        self._build_layout()
        self.menus = WindowMenus(self)
        self.background = BackgroundRuns(self)

        self._core = BackgroundCore(self)
        self._connect()
        self._restore_settings()
        self._on_config_changed(self.form.config())
        self.statusBar().showMessage("Loading PyTorch…")
        self._core_started = False

    def _build_layout(self) -> None:
        form_scroll = QScrollArea()
        form_scroll.setWidgetResizable(True)
        form_scroll.setWidget(self.form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.stop_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(form_scroll, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.background_controls)

        training = QWidget()
        training_layout = QVBoxLayout(training)
        training_layout.addWidget(self.progress)
        training_layout.addWidget(self.plots, 1)
        self.tabs.addTab(training, "Training")
        self.tabs.addTab(self.data_preview, "Data")
        self.tabs.addTab(self.layer_table, "Layers")
        self.tabs.addTab(self.architecture, "Architecture")
        self.tabs.addTab(self.runs_panel, "Runs")
        self.tabs.addTab(self.results, "Results")

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 820])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.resize(1200, 760)

    def _connect(self) -> None:
        self.form.changed.connect(self._on_config_changed)
        self.train_button.clicked.connect(self._on_train_clicked)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.runs_panel.load_settings_requested.connect(self._on_load_run_settings)
        self.runs_panel.resume_requested.connect(self._on_resume_run)
        self.runs_panel.follow_requested.connect(self.background.follow)
        self.runs_panel.inspect_requested.connect(self.results.inspect_run)
        self.background.changed.connect(self._update_buttons)
        self.background_controls.check.toggled.connect(lambda _on: self._update_buttons())
        self.background_controls.processes.valueChanged.connect(lambda _n: self._update_buttons())
        self.banner.use_sample_clicked.connect(self._on_use_sample)
        self.data_preview.use_sample_clicked.connect(self._on_use_sample)
        self._core.ready.connect(self._on_core_ready)
        self._core.ready.connect(self.runs_panel.refresh)
        self._core.load_failed.connect(self._on_core_failed)
        self._core.summary_ready.connect(self.layer_table.show_summary)
        self.layer_table.summary_changed.connect(self.architecture.show_summary)
        self.layer_table.layer_selected.connect(self.architecture.select_layer)
        self.architecture.layer_selected.connect(self.layer_table.select_layer)
        self._core.summary_failed.connect(self._on_summary_failed)
        self.results.accept_drops_on(self)
        self.results.activate_requested.connect(lambda: self.tabs.setCurrentWidget(self.results))

    @property
    def core(self) -> BackgroundCore:
        """The background loader and summariser."""
        return self._core

    @property
    def training(self) -> bool:
        """True from Train until the worker thread has finished."""
        return self._training

    @property
    def worker_thread(self) -> QThread | None:
        """The thread of the current or last run."""
        return self._thread

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """After the first paint, start loading torch in the background."""
        super().paintEvent(event)
        if not self._core_started:
            QTimer.singleShot(0, self._start_core)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Start the core soon even where no paint event arrives."""
        super().showEvent(event)
        QTimer.singleShot(CORE_START_FALLBACK_MS, self._start_core)

    def _start_core(self) -> None:
        if not self._core_started:
            self._core_started = True
            self._core.start()

    def _on_core_ready(self, info: CoreInfo) -> None:
        self.form.set_devices(info.devices, info.auto_label)
        self.form.set_root_placeholder(info.data_root)
        self.statusBar().showMessage(f"Ready · auto device: {info.auto_label}", 10000)

    def _on_core_failed(self, message: str) -> None:
        self.statusBar().showMessage("PyTorch could not be loaded")
        self.banner.show_error(message)
        self.layer_table.show_invalid(message)

    def _on_summary_failed(self, message: str) -> None:
        self._summary_key = None
        self.layer_table.show_invalid(f"could not summarise these settings: {message}")

    def _on_config_changed(self, _cfg: RunConfig | None) -> None:
        self._update_buttons()
        self._update_summary()
        self.data_preview.set_augmentation(self.form.augmentation())
        self.data_preview.set_data_config(self.form.data_input())

    def _update_summary(self) -> None:
        key = self.form.summary_input()
        if key is None:
            self._summary_key = None
            self._core.cancel_summary()
            self.layer_table.show_invalid("invalid settings — fix the network fields marked in red")
        elif key != self._summary_key:
            self._summary_key = key
            self._core.request_summary(*key)

    def _update_buttons(self) -> None:
        cfg = self.form.config()
        self.background_controls.set_batch_size(cfg.train.batch_size if cfg is not None else 0)
        self.train_button.setEnabled(self.form.is_valid() and not self._training and not self.background.following
                                     and not self.background_controls.problem())
        stopping = self._worker is not None and self._worker.stop_requested
        self.stop_button.setEnabled(self._training and not stopping or self.background.stoppable)
        self.pause_button.setEnabled(self._training and not stopping)
        if not self._training:
            self.pause_button.setText("Pause")
        self.runs_panel.set_training(self._training)
        self.menus.set_training(self._training)
        self.form.setEnabled(not self._training)

    def _on_train_clicked(self) -> None:
        cfg = self.form.config()
        if cfg is None or self._training or validate(cfg):
            return
        if self.background_controls.enabled and self._resume is None:
            if self.background.following or self.background_controls.problem():
                return
            self._save_settings()
            self.banner.hide()
            self.history = []
            self.background.start(cfg, self.background_controls.processes.value())
            return
        self._save_settings()
        self.banner.hide()
        self.plots.clear()
        self.history = []
        self.progress.show_preparing()
        self.tabs.setCurrentIndex(0)

        thread = QThread()
        thread.setObjectName("resnet-gui training")
        resume, self._resume = self._resume, None
        worker = TrainWorker(resume[1] if resume else cfg, resume_run_id=resume[0] if resume else None,
                             tensorboard=self.runs_panel.tensorboard_enabled)
        self.runs_panel.watch(worker)
        self.results.track_worker(worker)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.started.connect(self.progress.show_started)
        worker.download_progress.connect(self.progress.show_download)
        worker.other_event.connect(self.progress.show_event)
        worker.batch_end.connect(self._on_batch_end)
        worker.past_batches.connect(self.plots.add_batch_points)
        worker.epoch_end.connect(self._on_epoch_end)
        worker.finished.connect(self._on_run_finished)
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self._training = True
        self._update_buttons()
        thread.start()

    def _on_stop_clicked(self) -> None:
        if self.background.stoppable:
            self.background.stop()
            return
        self.request_stop()

    @property
    def paused(self) -> bool:
        """True while the running training is paused."""
        return self._training and self._worker is not None and self._worker.paused

    def _on_pause_clicked(self) -> None:
        """Pause the run before its next batch (everything stays in memory), or let it continue."""
        if not self._training or self._worker is None:
            return
        paused = not self._worker.paused
        self._worker.set_paused(paused)
        self.pause_button.setText("Resume" if paused else "Pause")
        if paused:
            self._status_before_pause = self.progress.status_label.text()
            self.progress.status_label.setText("Paused — press Resume to continue, or Stop to end the run")
        else:
            self.progress.status_label.setText(self._status_before_pause)

    def _on_load_run_settings(self, cfg: RunConfig) -> None:
        if not self._training:
            self.form.set_config(cfg)
            self.statusBar().showMessage("Loaded the run's settings into the form", 8000)

    def _on_resume_run(self, run_id: int, cfg: RunConfig) -> None:
        """Continue a stopped run from its checkpoint with its own settings; past epochs are re-plotted."""
        if self._training:
            return
        self.form.set_config(cfg)
        self._resume = (run_id, cfg)
        self._on_train_clicked()
        self._resume = None

    def request_stop(self) -> None:
        """Ask the running training to stop after its current batch."""
        if self._training and self._worker is not None:
            self._worker.request_stop()
            self.progress.show_stopping()
            self._update_buttons()

    def _on_batch_end(self, event: BatchEnd) -> None:
        self.plots.add_batch(event)
        self.progress.show_batch(event)

    def _on_epoch_end(self, event: EpochEnd) -> None:
        self.history.append(event)
        self.plots.add_epoch(event)
        self.progress.show_epoch(event)

    def _on_run_finished(self, status: str, message: str, offer_sample: bool) -> None:
        self.last_status = status
        self.plots.flush()
        self.progress.show_finished(status, message)
        if status == "failed":
            self.banner.show_error(message or "Training failed.", offer_sample)

    def _on_thread_finished(self) -> None:
        self._training = False
        self._update_buttons()
        emit(self.run_finished, self.last_status)
        if self._close_pending:
            self.close()

    def _on_use_sample(self) -> None:
        self.form.set_dataset("sample")

    def _restore_settings(self) -> None:
        if self._settings is None:
            return
        geometry = self._settings.value(SETTINGS_GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        text = self._settings.value(SETTINGS_CONFIG_KEY)
        if not isinstance(text, str) or not text:
            return
        try:
            cfg = RunConfig.from_dict(json.loads(text))
        except (ValueError, TypeError, KeyError, AttributeError):
            return
        if not validate(cfg):
            self.form.set_config(cfg)

    def _save_settings(self) -> None:
        if self._settings is None:
            return
        cfg = self.form.config()
        if cfg is not None:
            self._settings.setValue(SETTINGS_CONFIG_KEY, json.dumps(cfg.to_dict()))
        self._settings.setValue(SETTINGS_GEOMETRY_KEY, self.saveGeometry())
        self._settings.sync()

    def shutdown(self) -> None:
        """Stop background work and wait for it; the window can then be destroyed safely."""
        if self._training and self._worker is not None:
            self._worker.request_stop()
        if self._thread is not None and self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()
        self._shut_down_views()

    def _shut_down_views(self) -> None:
        """Stop the views' and the core's background threads and wait for them."""
        self.background.shutdown()
        self.runs_panel.shutdown()
        self.menus.shutdown()
        self.results.shutdown()
        self.data_preview.shutdown()
        self._core.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Closing mid-run stops the run first and closes once the worker has finished."""
        if self._training:
            self._close_pending = True
            self.request_stop()
            self.progress.status_label.setText("Stopping the run before closing…")
            event.ignore()
            return
        self._save_settings()
        self.hide()
        self._shut_down_views()
        event.accept()
