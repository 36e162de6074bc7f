"""The Data tab: a look at the chosen data set before training.

Sample images per class, the class counts of both splits as a bar chart, image size and
channels, the unreadable files that were skipped, and the same few training images before and
after the augmentation. The bundled sample previews as soon as it is chosen (debounced; the
latest choice wins); the other data sets may download or decode thousands of images, so they
load when Preview is pressed. Loading runs in ``DataPreviewLoader``'s thread, with a progress
bar and Cancel; failures show as a message in the tab.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ....settings.config import SPECS, DataConfig
from ....training.events import DataProgress, DownloadProgress
from ...jobs import Jobs
from ...widgets.collapsible_section import CollapsibleSection
from ...widgets.palette import set_tone
from .describe import capitalised, describe_source, preview_key, skipped_entry
from .parts import (
    ClassCountChart,
    SampleGrid,
    clear_layout,
    elided_label,
    image_tile,
    legend_html,
)
from .preview_loader import DataPreviewLoader

if TYPE_CHECKING:
    from ....data.preview import DataPreview

DEBOUNCE_MS = 250
AUTO_DATASETS = ("sample",)  # cheap to load: previewed as soon as chosen
PROGRESS_STEPS = 1000


class DataPreviewView(QWidget):
    """The Data tab; feed it the form's data settings with ``set_data_config``."""

    use_sample_clicked = Signal()

    def __init__(self, jobs: Jobs | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._own_jobs = jobs is None
        self._jobs = jobs if jobs is not None else Jobs(self)
        self.loader = DataPreviewLoader(self._jobs, self)
        self._wanted: DataConfig | None = None  # the form's settings (normalised), None while invalid
        self._loading: DataConfig | None = None
        self._shown: DataConfig | None = None  # what the images and chart are of
        self._settled: DataConfig | None = None  # the last request that ended: shown, failed or cancelled
        self._settled_message: tuple[str, bool, bool] = ("", False, False)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self.preview: DataPreview | None = None

        self.title_label = QLabel("No data previewed yet")
        self.title_label.setObjectName("data-title")
        self.title_label.setStyleSheet("font-weight: bold;")
        self.title_label.setWordWrap(True)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip("Load the data set chosen in the form and show it here")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        self.message_label = QLabel()
        self.message_label.setObjectName("data-message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sample_button = QPushButton("Use the bundled sample")
        self.describe_label = QLabel()
        self.describe_label.setObjectName("data-describe")
        self.describe_label.setWordWrap(True)

        self.samples = SampleGrid()
        self.chart = ClassCountChart()
        self._before = QGridLayout()
        self._augment = "none"
        self.augment_box = QGroupBox()
        self.augment_box.setObjectName("augmentation")
        self.skipped_section = CollapsibleSection("Skipped files", expanded=False)
        self.skipped_list = QListWidget()
        self.skipped_list.setObjectName("skipped-files")
        self.skipped_list.setMaximumHeight(140)
        self.skipped_list.setWordWrap(True)
        self.skipped_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.skipped_section.form.addRow(self.skipped_list)
        self.skipped_section.hide()
        self._body = self._build_body()
        self._build_layout()
        self._show_message("")
        self._scroll.hide()

        self.preview_button.clicked.connect(self._on_preview_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.sample_button.clicked.connect(self.use_sample_clicked)
        self.loader.progress.connect(self._on_progress)
        self.loader.ready.connect(self._on_ready)
        self.loader.failed.connect(self._on_failed)
        self.loader.cancelled.connect(self._on_cancelled)

    # -- building ---------------------------------------------------------------------------

    def _build_body(self) -> QWidget:
        samples_box = QGroupBox("Training images per class (the first of each)")
        samples_layout = QVBoxLayout(samples_box)
        samples_layout.addWidget(self.samples)

        counts_box = QGroupBox("Images per class")
        counts_layout = QVBoxLayout(counts_box)
        key = QLabel(legend_html())
        key.setObjectName("chart-key")
        key.setWordWrap(True)  # the key wraps rather than widen the page past the default window
        counts_layout.addWidget(key)
        counts_layout.addWidget(self.chart, 1)

        augment_layout = QVBoxLayout(self.augment_box)
        augment_layout.addLayout(self._before)
        self._before.setHorizontalSpacing(4)
        self._before.setVerticalSpacing(4)

        left = QVBoxLayout()
        left.addWidget(samples_box)
        left.addWidget(self.augment_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(counts_box, 1)
        right.addWidget(self.skipped_section)
        row = QHBoxLayout()
        row.addLayout(left, 0)
        row.addLayout(right, 1)
        body = QWidget()
        body.setLayout(row)
        return body

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.preview_button)
        top.addWidget(self.cancel_button)
        message_row = QHBoxLayout()
        message_row.addWidget(self.message_label, 1)
        message_row.addWidget(self.sample_button)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._scroll.setWidget(self._body)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress_bar)
        layout.addLayout(message_row)
        layout.addWidget(self.describe_label)
        layout.addWidget(self._scroll, 1)
        layout.addStretch(0)  # keeps the message at the top while there is nothing to show

    # -- public API --------------------------------------------------------------------------

    def set_augmentation(self, mode: str) -> None:
        """Show the examples of augmentation ``mode`` (one of the ``train.augment`` choices)."""
        if mode != self._augment:
            self._augment = mode
            if self.preview is not None:
                self._update_augmentation(self.preview)

    def augmentation_title(self) -> str:
        """The augmentation example's heading."""
        return self.augment_box.title()

    def set_data_config(self, cfg: DataConfig | None) -> None:
        """The form's data settings changed (None while a data field is invalid)."""
        self._wanted = preview_key(cfg) if cfg is not None else None
        self._update_controls()
        if self._wanted is None or self._wanted in (self._settled, self._loading):
            self._debounce.stop()
            self._update_hint()
            return
        if self._wanted.dataset in AUTO_DATASETS:
            if self.isVisible():
                self._debounce.start()
            return  # previewed when the tab is shown
        self._debounce.stop()
        self._update_hint()

    def refresh(self) -> None:
        """Load the form's data set now (what Preview does)."""
        if self._wanted is None:
            return
        self._debounce.stop()
        self._loading = self._wanted
        self.title_label.setText(f"Loading {describe_source(self._wanted)}…")
        self.title_label.setToolTip(describe_source(self._wanted, settings=True))
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setFormat("loading…")
        self.progress_bar.show()
        self._show_message("")
        self.loader.request(self._wanted)
        self._update_controls()

    def cancel(self) -> None:
        """Stop loading (what Cancel does)."""
        self.loader.cancel()

    @property
    def busy(self) -> bool:
        """True while a preview is loading or about to."""
        return self.loader.busy or self._debounce.isActive()

    def message(self) -> str:
        """The message on display ("" when none)."""
        return self.message_label.text() if not self.message_label.isHidden() else ""

    def skipped_files(self) -> list[str]:
        """The skipped files as listed ("path: reason")."""
        return [self.skipped_list.item(i).text() for i in range(self.skipped_list.count())]

    def augmentation_tiles(self) -> int:
        """Image tiles in the augmentation example (before and after)."""
        items = (self._before.itemAt(i) for i in range(self._before.count()))
        widgets = (item.widget() for item in items if item is not None)
        return sum(1 for widget in widgets if widget is not None and widget.objectName() == "tile")

    def shutdown(self) -> None:
        """Stop loading (and the preview's jobs when they are its own)."""
        self._debounce.stop()
        self.loader.cancel()
        if self._own_jobs:
            self._jobs.shutdown()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Showing the tab previews a cheap data set that changed while it was hidden."""
        super().showEvent(event)
        if self._auto_due() and not self._debounce.isActive():
            self.refresh()

    # -- handlers ----------------------------------------------------------------------------

    def _auto_due(self) -> bool:
        """True when the form's data set previews by itself and has not been tried yet."""
        wanted = self._wanted
        return wanted is not None and wanted.dataset in AUTO_DATASETS and wanted not in (self._settled, self._loading)

    def _on_debounce_timeout(self) -> None:
        if self._wanted is not None and self._wanted not in (self._settled, self._loading):
            self.refresh()

    def _on_preview_clicked(self) -> None:
        self.refresh()

    def _on_cancel_clicked(self) -> None:
        self.cancel()

    def _on_progress(self, event: object) -> None:
        bar = self.progress_bar
        if isinstance(event, DataProgress) and event.total > 0:
            bar.setRange(0, event.total)
            bar.setValue(min(event.done, event.total))
            bar.setFormat(f"{event.stage} {event.done:,}/{event.total:,}")
        elif isinstance(event, DownloadProgress):
            if event.total_bytes > 0:
                bar.setRange(0, PROGRESS_STEPS)
                bar.setValue(int(PROGRESS_STEPS * min(event.done_bytes / event.total_bytes, 1.0)))
                bar.setFormat(f"downloading {event.file}: {event.done_bytes / event.total_bytes:.0%}")
            else:
                bar.setRange(0, 0)
                bar.setFormat(f"downloading {event.file}: {event.done_bytes / 1e6:.1f} MB")

    def _on_ready(self, preview: DataPreview) -> None:
        self._shown = self._loading
        self.preview = preview
        self._update_preview(preview)
        self._settle("")
        if self._auto_due():
            self.refresh()  # the form changed while this one loaded

    def _on_failed(self, message: str, offer_sample: bool) -> None:
        failed = self._loading
        self._shown = None
        self.preview = None
        self._scroll.hide()
        self.describe_label.clear()
        self.title_label.setText(capitalised(describe_source(failed)) if failed is not None else "Data")
        self._settle(f"Could not preview this data: {message}", error=True, offer_sample=offer_sample)

    def _on_cancelled(self) -> None:
        if self._shown is not None:
            self.title_label.setText(capitalised(describe_source(self._shown)))
            still = f" The images below are still those of {describe_source(self._shown)}."
        else:
            self.title_label.setText("No data previewed yet")
            still = ""
        self._settle(f"Preview cancelled: press Preview to load it again.{still}")

    def _settle(self, message: str, error: bool = False, offer_sample: bool = False) -> None:
        """The request in flight ended: remember how, and show its message."""
        self._settled, self._loading = self._loading, None
        self._settled_message = (message, error, offer_sample)
        self.progress_bar.hide()
        self._show_message(message, error, offer_sample)
        self._update_hint()
        self._update_controls()

    # -- updates -----------------------------------------------------------------------------

    def _update_preview(self, preview: DataPreview) -> None:
        assert self._shown is not None
        self.title_label.setText(capitalised(describe_source(self._shown)))
        self.title_label.setToolTip(describe_source(self._shown, settings=True))
        self.describe_label.setText(preview.describe())
        self.samples.show_samples(preview.class_names, preview.samples, preview.train_counts)
        self.chart.show_counts(preview.class_names, preview.train_counts, preview.test_counts)
        self._update_augmentation(preview)
        self._update_skipped(preview.skipped, self._shown.folder)
        self._scroll.show()

    def _update_augmentation(self, preview: DataPreview) -> None:
        clear_layout(self._before)
        label = SPECS["train.augment"].choice_label(self._augment)
        if self._augment in preview.augmented:
            self.augment_box.setTitle(f"Augmentation: {label}, the same images before and after")
            rows: tuple[tuple[str, np.ndarray], ...] = (
                ("before", preview.originals),
                ("after", preview.augmented[self._augment]),
            )
        else:
            self.augment_box.setTitle(
                "Augmentation: none, training sees the images as they are (choose one under Training)"
            )
            rows = (("as is", preview.originals),)
        for row, (name, images) in enumerate(rows):
            self._before.addWidget(elided_label(name), row, 0)
            for j, image in enumerate(images):
                self._before.addWidget(image_tile(image, f"example {j + 1}, {name} augmentation"), row, j + 1)
        self._before.setColumnStretch(len(preview.originals) + 1, 1)

    def _update_skipped(self, skipped: tuple[str, ...], root: str | None) -> None:
        self.skipped_list.clear()
        for entry in skipped:
            self.skipped_list.addItem(skipped_entry(entry, root))
            self.skipped_list.item(self.skipped_list.count() - 1).setToolTip(entry)
        self.skipped_section.header.setText(f"Skipped unreadable files ({len(skipped)})")
        self.skipped_section.setVisible(bool(skipped))

    def _update_hint(self) -> None:
        """Say what Preview would load when the form's data set is not the one shown."""
        wanted = self._wanted
        if self.loader.busy and wanted == self._loading:
            return
        if wanted is None:
            self._show_message("Fix the data settings marked in red to preview the data.")
        elif wanted == self._settled:
            self._show_message(*self._settled_message)
        elif wanted.dataset not in AUTO_DATASETS:
            source = describe_source(wanted, settings=True)
            what = (
                f"read {source}"
                if wanted.dataset == "folder"
                else f"load {source}, downloading it first if it is not on this computer"
            )
            now = " The images below are of the previous choice." if self._shown is not None else ""
            self._show_message(f"Press Preview to {what}.{now}")

    def _update_controls(self) -> None:
        busy = self.loader.busy
        self.cancel_button.setEnabled(busy)
        self.preview_button.setEnabled(self._wanted is not None)

    def _show_message(self, text: str, error: bool = False, offer_sample: bool = False) -> None:
        self.message_label.setText(text)
        set_tone(self.message_label, "error-box" if error else "info-box")
        self.message_label.setVisible(bool(text))
        self.sample_button.setVisible(bool(text) and offer_sample)
