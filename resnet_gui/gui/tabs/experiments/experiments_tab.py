"""The Experiments tab: define a sweep of run settings, run it as background workers, read its trials.

Above, the definition (``DefinitionPanel``), whose trials start from the form's settings; below,
the experiment followed: its state with Pause (after the current trial), Stop and Resume, the
trials' table and plots, and "Load best trial into the form". The experiments themselves live in
``ExperimentsSession``; the window hands in the form's settings (``set_base``) and acts on
``load_settings_requested``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ....errors import UserError
from ....experiments.definition import Sweep, load_sweep
from ....experiments.sweep_toml import save_sweep
from ....settings.config import RunConfig
from ...jobs import Jobs
from ...qt_compat import emit
from ...session.experiments import PAUSING, STOPPING, ExperimentsSession
from ...widgets.file_dialogs import ask_save_path
from ...widgets.palette import set_tone
from .definition_panel import DefinitionPanel
from .trial_plots import TrialPlots
from .trials_table import TrialsTable

SWEEP_FILTER = "Sweep files (*.toml);;All files (*)"


def state_line(view: Any, state: str) -> str:
    """What the experiment is doing, in words: its state, trials run of the budget, the best so far."""
    if view is None:
        return "No experiment yet: define one above and press Start."
    budget = view.sweep.budget
    of = f" of {budget}" if budget is not None else ""
    workers = len(view.workers)
    what = {
        "running": f"running ({workers} worker{'s' if workers != 1 else ''})",
        PAUSING: "pausing after the current trial",
        STOPPING: "stopping",
        "paused": "paused: Resume runs the trials left",
        "finished": "finished",
    }.get(state, state)
    best = view.best
    found = f"; best {best.best_test_acc:.4f} (trial {best.number})" if best is not None else ""
    return f"{view.name}: {what}. {view.done}{of} trials run{found}."


class ExperimentsTab(QWidget):
    """``load_settings_requested(RunConfig)`` puts a trial's settings in the form (the window wires it)."""

    load_settings_requested = Signal(object)
    message = Signal(str)
    error = Signal(str)

    def __init__(self, runs_db: str | Path, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = ExperimentsSession(jobs, runs_db, self)
        self.definition = DefinitionPanel()
        self.chooser = QComboBox()
        self.chooser.setMinimumContentsLength(16)
        self.chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chooser.setToolTip("The experiments beside the run history, newest first")
        self.state_label = QLabel(state_line(None, ""))
        self.state_label.setWordWrap(True)
        set_tone(self.state_label, "muted")
        self.pause_button, self.stop_button = QPushButton("Pause"), QPushButton("Stop")
        self.resume_button = QPushButton("Resume")
        self.pause_button.setToolTip("Stop after the trials running now have ended")
        self.stop_button.setToolTip("Stop now: the trials running now stop after their batch and run again on Resume")
        self.load_best_button = QPushButton("Load best trial into the form")
        self.table = TrialsTable()
        self.plots = TrialPlots()
        self._build()
        self._connect()
        self._update_buttons()
        self.session.refresh()

    def _build(self) -> None:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.definition)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        top = QHBoxLayout()
        top.addWidget(QLabel("Experiment"))
        top.addWidget(self.chooser, 1)
        for button in (self.pause_button, self.stop_button, self.resume_button):
            top.addWidget(button)
        below = QHBoxLayout()
        below.addWidget(self.state_label, 1)
        below.addWidget(self.load_best_button)
        results = QWidget()
        column = QVBoxLayout(results)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addLayout(below)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.plots)
        split.setSizes([150, 300])
        column.addWidget(split, 1)
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(scroll)
        outer.addWidget(results)
        outer.setStretchFactor(1, 1)
        # The definition whole (its Start button included) at the default window size; the results below.
        outer.setSizes([self.definition.sizeHint().height() + 2 * scroll.frameWidth(), 500])
        layout = QVBoxLayout(self)
        layout.addWidget(outer)

    def _connect(self) -> None:
        s = self.session
        s.listed.connect(self._on_listed)
        s.updated.connect(self._on_updated)
        s.state_changed.connect(lambda _state: self._update_buttons())
        s.message.connect(lambda text: emit(self.message, text))
        s.error.connect(lambda text: emit(self.error, text))
        self.definition.start_clicked.connect(lambda sweep, workers: s.start(sweep, workers))
        self.definition.save_clicked.connect(self._on_save_clicked)
        self.definition.load_clicked.connect(self._on_load_clicked)
        self.chooser.activated.connect(lambda i: s.follow(str(self.chooser.itemData(i))))
        self.pause_button.clicked.connect(s.pause)
        self.stop_button.clicked.connect(s.stop)
        self.resume_button.clicked.connect(lambda: s.resume(self.definition.workers.value()))
        self.load_best_button.clicked.connect(self.load_best)
        self.table.doubleClicked.connect(lambda _index: self.load_selected())

    # --- what the window and tests reach for ------------------------------------------------

    def set_base(self, cfg: RunConfig | None) -> None:
        """The form's settings: each trial of a new experiment starts from them (None: they are invalid)."""
        self.definition.set_base(cfg)

    def start(self) -> None:
        """Press Start."""
        self.definition.start_button.click()

    def load_best(self) -> None:
        """Put the best trial's settings in the form."""
        view = self.session.view
        if view is not None and view.best_config is not None:
            emit(self.load_settings_requested, view.best_config)
            emit(self.message, f"Loaded the settings of trial {view.best.number} (the best) into the form")

    def load_selected(self) -> None:
        """Put the selected trial's settings in the form."""
        row, view = self.table.selected_trial(), self.session.view
        if row is not None and view is not None:
            emit(self.load_settings_requested, view.sweep.config_for(row.params))
            emit(self.message, f"Loaded the settings of trial {row.number} into the form")

    def save_sweep_file(self, path: str | Path) -> bool:
        """Write the definition as sweep.toml; False with the problem shown when it is not valid."""
        sweep = self.definition.checked_sweep()
        if sweep is None:
            return False
        try:
            save_sweep(sweep, path)
        except OSError as e:
            emit(self.error, f"Could not save {path}: {e.strerror or e}.")
            return False
        emit(self.message, f"Saved the experiment to {path}")
        return True

    def open_sweep_file(self, path: str | Path) -> Sweep | None:
        """Show a sweep.toml's definition; its base run goes into the form."""
        try:
            sweep = load_sweep(path)
        except UserError as e:
            emit(self.error, str(e))
            return None
        self.definition.set_sweep(sweep)
        emit(self.load_settings_requested, sweep.base)
        emit(self.message, f"Loaded the experiment from {path}; its base run is in the form")
        return sweep

    def shutdown(self) -> None:
        """Stop reading (the window closes); the experiments' workers go on."""
        self.session.shutdown()

    # --- handlers ----------------------------------------------------------------------------

    def _on_save_clicked(self) -> None:
        if self.definition.checked_sweep() is None:
            return
        path = ask_save_path(self, "Save the experiment", "sweep.toml", SWEEP_FILTER, "toml")
        if path:
            self.save_sweep_file(path)

    def _on_load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load an experiment", "", SWEEP_FILTER)
        if path:
            self.open_sweep_file(path)

    def _on_listed(self, found: list[tuple[str, bool]]) -> None:
        self.chooser.clear()
        for name, running in found:
            self.chooser.addItem(f"{name}  (running)" if running else name, name)
        self._select(self.session.name)

    def _select(self, name: str | None) -> None:
        index = self.chooser.findData(name) if name is not None else -1
        if index >= 0:
            self.chooser.setCurrentIndex(index)

    def _on_updated(self, view: Any) -> None:
        self._select(view.name)
        self.table.trials.show_view(view)
        self.plots.show_view(view)
        self._update_buttons()

    def _update_buttons(self) -> None:
        view, state = self.session.view, self.session.state
        self.state_label.setText(state_line(view, state))
        live = view is not None and bool(view.workers)
        self.pause_button.setEnabled(live and state == "running")
        self.stop_button.setEnabled(live and state != STOPPING)
        self.resume_button.setEnabled(view is not None and not live and state == "paused")
        self.load_best_button.setEnabled(view is not None and view.best_config is not None)
