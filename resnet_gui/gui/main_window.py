"""The main window: it composes the views and the menus and wires them to the run session, nothing more."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from ..settings.config import RunConfig
from ..settings.validation import validate
from . import view_menu
from .closing import Closing
from .form.config_form import ConfigForm
from .form.run_controls import RunControls
from .help_menu import HelpMenu
from .jobs import Jobs
from .layer_wiring import layer_views
from .layout import arrange_window, stacked
from .lr_find.lr_find_dialog import LrFindDialog
from .menus import WindowMenus
from .qt_compat import emit
from .run_menu import GoMenu, RunMenu
from .session.core import CoreInfo, CoreLoader
from .session.run_session import RunSession
from .tabs.data.data_view import DataPreviewView
from .tabs.experiments.experiments_tab import ExperimentsTab
from .tabs.results.results_view import ResultsView
from .tabs.runs.runs_panel import RunsPanel
from .tabs.training.plots import TrainingPlots
from .tabs.training.progress_panel import ProgressPanel
from .tabs.training.result_summary import ResultSummary
from .widgets.error_banner import ErrorBanner
from .window_settings import WindowState

STATUS_MS = 8000


class MainWindow(QMainWindow):
    """Form and run controls on the left; the tabs on the right; the session behind them all."""

    run_finished = Signal(str)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("resnet-gui — ResNet training dashboard")
        self.jobs = Jobs(self)
        self.session = RunSession(self.jobs, parent=self)
        self.core = CoreLoader(self.jobs, self)
        self.core.start_after_first_paint(self)
        db = str(self.session.runs_db)
        self.form, self.controls, self.banner = ConfigForm(), RunControls(self.jobs, self.core.ready), ErrorBanner()
        self.progress, self.plots, self.result_line = ProgressPanel(), TrainingPlots(), ResultSummary()
        self.layer_table, self.architecture = layer_views(self.core)
        self.data_preview, self.runs_panel = DataPreviewView(self.jobs), RunsPanel(db, self.jobs)
        self.results, self.lr_finder = ResultsView(db, self.jobs), LrFindDialog(self.jobs, self)
        self.experiments = ExperimentsTab(db, self.jobs)
        self.train_button, self.pause_button = self.controls.train_button, self.controls.pause_button
        self.stop_button, self.background_controls = self.controls.stop_button, self.controls.background
        self.tabs = QTabWidget()
        pages = [(stacked(self.progress, self.result_line, self.plots), "Training"), (self.data_preview, "Data")]
        pages += [(self.layer_table, "Layers"), (self.architecture, "Architecture"), (self.runs_panel, "Runs")]
        pages += [(self.results, "Results"), (self.experiments, "Experiments")]
        self.splitter = arrange_window(self, self.banner, self.form, self.controls, self.tabs, pages)
        self.state = WindowState(settings, self, self.splitter, self.tabs, self.form)
        self.closing = Closing(self, self.session, self.run_finished, self.progress.status_label.setText)
        self.menus = WindowMenus(self, self.session, self.jobs, self.form.config, self.plots.export)
        self.theme_menu = view_menu.ViewMenu(self, settings)
        self._connect()  # before the Run menu, which reads the buttons after the controls follow the session
        self.run_menu = RunMenu(self, self.controls, self.session, after=self.menus.file_menu)
        self.go_menu = GoMenu(self, self.tabs, after=self.run_menu.menu)
        self.help_menu = HelpMenu(self, lambda: self.core.info is not None)
        self.state.restore()
        self._on_config_changed(self.form.config())
        self.statusBar().showMessage("Loading PyTorch…")

    def _connect(self) -> None:
        s, bar = self.session, self.statusBar()
        for view in (self.progress, self.result_line, self.plots, self.results, self.runs_panel, self.controls):
            view.bind(s)
        self.lr_finder.bind(s)
        for source in (s, self.jobs, self.menus, self.runs_panel, self.lr_finder, self.experiments):
            source.error.connect(self.banner.show_error)
        self.lr_finder.rate_chosen.connect(lambda lr: self.form.set_value("train.lr", lr))
        self.form.lr_find_requested.connect(self.lr_finder.show_beside)
        for said in (s.status, self.menus.message, self.experiments.message):
            said.connect(lambda text: bar.showMessage(text, STATUS_MS))
        s.state_changed.connect(lambda _state: self.form.setEnabled(not s.training))
        s.run_ended.connect(self._on_run_ended)
        self.menus.settings_loaded.connect(self._load_settings)
        self.runs_panel.load_settings_requested.connect(self._load_settings)
        self.experiments.load_settings_requested.connect(self._load_settings)
        self.menus.reset_requested.connect(self.state.reset)
        self.form.changed.connect(self._on_config_changed)
        self.controls.train_clicked.connect(self._on_train_clicked)
        self.controls.pause_toggled.connect(s.set_paused)
        self.controls.stop_clicked.connect(s.stop)
        self.controls.steer_asked.connect(s.steer)
        self.runs_panel.resume_requested.connect(self._on_resume_requested)
        self.runs_panel.follow_requested.connect(lambda run_id: self._show_training() and s.follow(run_id))
        self.runs_panel.inspect_requested.connect(self.results.inspect_run)
        self.runs_panel.selection_changed.connect(s.set_selected_runs)
        self.runs_panel.runs_listed.connect(s.set_listed_runs)
        self.runs_panel.colors_listed.connect(self.plots.run_titles.set_chosen_colors)
        self.runs_panel.tensorboard_toggled.connect(s.set_tensorboard)
        for offer in (self.banner, self.data_preview):
            offer.use_sample_clicked.connect(lambda: self.form.set_dataset("sample"))
        self.core.ready.connect(self._on_core_ready)
        self.core.load_failed.connect(self._on_core_failed)
        self.results.accept_drops_on(self)
        self.results.activate_requested.connect(lambda: self.tabs.setCurrentWidget(self.results))

    # --- what tests and the screenshots reach for -------------------------------------------

    @property
    def training(self) -> bool:
        """True from Train until the run in the window has ended."""
        return self.session.training

    def request_stop(self) -> None:
        """Ask the run to stop after its current batch."""
        self.session.stop()

    # --- handlers ---------------------------------------------------------------------------

    def _on_core_ready(self, info: CoreInfo) -> None:
        self.form.set_devices(info.devices, info.auto_label)
        self.form.set_root_placeholder(info.data_root)
        self.statusBar().showMessage(f"Ready · auto device: {info.auto_label}", 10000)
        self.runs_panel.refresh()

    def _on_core_failed(self, message: str) -> None:
        self.statusBar().showMessage("PyTorch could not be loaded")
        self.banner.show_error(message)
        self.layer_table.show_invalid(message)

    def _on_config_changed(self, cfg: RunConfig | None) -> None:
        self.controls.set_form(cfg is not None, cfg.train.batch_size if cfg is not None else 0, cfg)
        self.lr_finder.set_config(cfg)
        self.experiments.set_base(cfg)
        summary = self.form.summary_input()
        if summary is None:
            self.core.cancel_summary()
            self.layer_table.show_invalid("invalid settings — fix the network fields marked in red")
        else:
            self.core.request_summary(*summary, cfg.train if cfg is not None else None)
        self.data_preview.set_augmentation(self.form.augmentation())
        self.data_preview.set_data_config(self.form.data_input())

    def _show_training(self) -> bool:
        self.banner.hide()
        self.tabs.setCurrentIndex(0)
        return True

    def _on_train_clicked(self, in_background: bool, processes: int) -> None:
        cfg = self.form.config()
        if cfg is None or validate(cfg) or self.session.busy:
            return
        self.state.save()
        self._show_training()
        if in_background:
            self.session.start_background(cfg, processes)
        else:
            self.session.start(cfg)

    def _on_resume_requested(self, run_id: int, cfg: RunConfig) -> None:
        if not self.session.busy:
            self.form.set_config(cfg)
            self._show_training()
            self.session.resume(run_id, cfg)

    def _load_settings(self, cfg: RunConfig) -> None:
        if not self.session.training:
            self.form.set_config(cfg)
            self.banner.hide()
            self.statusBar().showMessage("Loaded the settings into the form", STATUS_MS)

    def _on_run_ended(self, status: str, _message: str, _offer_sample: bool) -> None:
        self.statusBar().showMessage(f"Run {self.session.run_id} {status}", STATUS_MS)
        emit(self.run_finished, status)

    # --- settings and closing ---------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the run in the window and every background job, and wait for them."""
        self.session.shutdown()
        for view in (self.runs_panel, self.results, self.data_preview, self.experiments):
            view.shutdown()
        self.jobs.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Closing mid-run asks, stops the run and closes once it has ended (see ``closing``)."""
        if not self.closing.may_close():
            event.ignore()
            return
        self.state.save()
        self.hide()
        self.shutdown()
        event.accept()
