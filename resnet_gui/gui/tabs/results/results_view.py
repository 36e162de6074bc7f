"""The Results tab: confusion matrix with per-class scores, top losses, "try an image", one test image
inspected (where it looked, feature maps) and suspicious labels, fed by the run session.

Per-epoch test predictions (numpy arrays) arrive from the session; the model for single images,
Grad-CAM, feature maps and the label review is the checkpoint of the last finished or stopped run
(or of a saved run chosen on the Runs tab), loaded and run by the ``Inspector``'s jobs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ....runs.status import WITH_MODEL
from ...jobs import Jobs
from ...qt_compat import emit
from ...widgets.images import to_qimage
from .confusion_view import ConfusionView, Predictions
from .explainer import Explainer
from .feature_maps_view import NO_IMAGES, FeatureMapsView
from .inspection import FeatureMapGrid, ModelInfo, ModelSource, Prediction
from .inspector import Inspector
from .labels_view import LabelsView
from .predict_view import PredictView
from .top_losses_view import TopLossesView

if TYPE_CHECKING:
    from ....settings.config import RunConfig
    from ...session.run_session import RunSession

MAPS_DEBOUNCE_MS = 80
WAITING_FOR_MODEL = (
    "Feature maps appear once a run finishes (or is stopped after its first epoch): "
    "they are computed with its trained model."
)


def _dropped_file(event: QDragEnterEvent | QDropEvent) -> str | None:
    """The first local file of a drag, if any."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return url.toLocalFile()
    return None


class ResultsView(QWidget):
    """Five pages: Confusion matrix, Top losses, Try an image, Inspect an image, Suspicious labels."""

    activate_requested = Signal()

    def __init__(self, runs_db: str | None = None, jobs: Jobs | None = None, parent: QWidget | None = None) -> None:
        """``runs_db``: the run history whose checkpoints are used (None: the default one)."""
        super().__init__(parent)
        self._own_jobs = jobs is None
        self._jobs = jobs if jobs is not None else Jobs(self)
        self._runs_db = runs_db
        self._run_id: int | None = None
        self._inspected_label = ""
        self._live = True  # showing the training run's epochs (False: a saved run chosen in the Runs tab)
        self._image_wanted = -1  # the test image to show once the inspected run is scored
        # An epoch's predictions while this tab is hidden: drawn when it is shown or the run ends, so an
        # epoch's end does not rebuild a matrix and galleries nobody sees (~100 ms of the GUI thread).
        self._pending: Predictions | None = None
        self._maps_key: tuple[object, ...] | None = None
        self._label_position = -1
        self._prediction: Prediction | None = None
        self._session: RunSession | None = None
        self.model_info: ModelInfo | None = None
        self.inspector = Inspector(self._jobs, self)
        self.confusion = ConfusionView()
        self.top_losses = TopLossesView()
        self.predict = PredictView()
        self.feature_maps = FeatureMapsView()
        self.labels = LabelsView()
        self.explainer = Explainer(
            self.inspector,
            {"maps": self.feature_maps.cam, "predict": self.predict.cam, "labels": self.labels.cam},
            self,
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.confusion, "Confusion matrix")
        self.tabs.addTab(self.top_losses, "Top losses")
        self.tabs.addTab(self.predict, "Try an image")
        self.tabs.addTab(self.feature_maps, "Inspect an image")
        self.tabs.addTab(self.labels, "Suspicious labels")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self._maps_timer = QTimer(self)
        self._maps_timer.setSingleShot(True)
        self._maps_timer.setInterval(MAPS_DEBOUNCE_MS)
        self._maps_timer.timeout.connect(self._update_maps)

        self.confusion.image_clicked.connect(self._on_image_clicked)
        self.top_losses.image_clicked.connect(self._on_image_clicked)
        self.feature_maps.cam.request_changed.connect(self._schedule_maps)
        self.predict.cam.request_changed.connect(self._explain_prediction)
        self.labels.review_requested.connect(self.inspector.request_review)
        self.labels.stop_requested.connect(self.inspector.cancel_review)
        self.labels.image_chosen.connect(self._explain_label)
        self.labels.cam.request_changed.connect(lambda: self._explain_label(self._label_position))
        self.labels.train_again_requested.connect(self._train_again)
        self.inspector.review_ready.connect(self.labels.show_review)
        self.inspector.review_failed.connect(self.labels.show_failure)
        self.inspector.review_progress.connect(self.labels.show_progress)
        self.predict.open_requested.connect(self.open_image)
        self.predict.options_changed.connect(self._on_prediction_options_changed)
        self.feature_maps.request_changed.connect(self._on_maps_choice_changed)
        self.tabs.currentChanged.connect(self._on_page_changed)
        self.inspector.model_ready.connect(self._on_model_ready)
        self.inspector.model_failed.connect(self._on_model_failed)
        self.inspector.prediction_ready.connect(self._on_prediction_ready)
        self.inspector.prediction_failed.connect(self._on_prediction_failed)
        self.inspector.maps_ready.connect(self._on_maps_ready)
        self.inspector.maps_failed.connect(self._on_maps_failed)
        self.inspector.evaluation_ready.connect(self._on_evaluation_ready)
        self.inspector.evaluation_failed.connect(self._on_evaluation_failed)
        self.accept_drops_on(self)

    # --- wiring -----------------------------------------------------------------------------

    def bind(self, session: RunSession) -> None:
        """Follow ``session``'s runs: their test predictions each epoch, their checkpoint once they end."""
        self._session = session
        session.cleared.connect(self._on_new_run)
        session.predictions.connect(self._on_event)
        session.run_recorded.connect(self._on_run_recorded)
        session.run_ended.connect(self._on_run_finished)

    def _on_new_run(self) -> None:
        """A new run: nothing of the last one stays (its maps would show under the new run's images)."""
        self.confusion.clear()
        self.top_losses.clear()
        self._run_id, self._live, self._pending = None, True, None
        self.model_info = None
        self.feature_maps.clear(WAITING_FOR_MODEL)
        self.set_model_source(None)

    def accept_drops_on(self, widget: QWidget) -> None:
        """Let image files dropped onto ``widget`` (e.g. the main window) be classified here."""
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Accept dragged files and classify a dropped one."""
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if _dropped_file(event) is not None:  # type: ignore[arg-type]
                event.acceptProposedAction()  # type: ignore[attr-defined]
                return True
        elif event.type() == QEvent.Type.Drop:
            path = _dropped_file(event)  # type: ignore[arg-type]
            if path is not None:
                event.acceptProposedAction()  # type: ignore[attr-defined]
                self.open_image(path)
                return True
        return super().eventFilter(watched, event)

    def shutdown(self) -> None:
        """Stop the inspection jobs (those of the window are stopped by the window)."""
        self._maps_timer.stop()
        if self._own_jobs:
            self._jobs.shutdown()

    # --- training events --------------------------------------------------------------------

    def _on_event(self, event: Predictions) -> None:
        if not self._live:
            return
        self._pending = event
        if self.isVisible():
            self._show_pending()

    def _show_pending(self) -> None:
        if self._pending is not None:
            predictions, self._pending = self._pending, None
            self.show_predictions(predictions)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Draw the epoch that ended while this tab was hidden."""
        super().showEvent(event)
        self._show_pending()

    def _on_run_recorded(self, run_id: int) -> None:
        if self._live:
            self._run_id = run_id

    def _on_run_finished(self, status: str, _message: str, _offer_sample: bool) -> None:
        # A run stopped before its first epoch has no model: keep the previous one.
        if not self._live:
            return
        self._show_pending()
        if status in WITH_MODEL and self._run_id is not None and self.confusion.predictions is not None:
            p = self.confusion.predictions
            self.set_model_source(
                ModelSource(
                    run_id=self._run_id,
                    runs_db=self._runs_db,
                    class_names=tuple(p.class_names),
                    image_size=int(p.images.shape[-1]),
                )
            )

    def show_predictions(self, predictions: Predictions, title: str = "") -> None:
        """Show an epoch's test predictions; their images become the feature maps' choices."""
        self.confusion.show_predictions(predictions, title)
        self.top_losses.show_predictions(predictions, title)
        self.feature_maps.set_image_count(len(predictions.labels))
        self._update_chosen_image()
        self._schedule_maps()

    def inspect_run(self, run_id: int, name: str = "", image: int = -1) -> None:
        """Show a saved run: its model's confusion matrix on its test set, used for images and maps too;
        ``image`` (a test image's number, -1 for none) is then shown with the model's feature maps.

        A training run in progress keeps training, but its epochs no longer replace this view.
        """
        self._run_id, self._live, self._image_wanted, self._pending = run_id, False, image, None
        self.tabs.setCurrentWidget(self.confusion)
        emit(self.activate_requested)
        self._inspected_label = f"run {run_id}" + (f" ({name})" if name else "")
        self.confusion.show_message(f"Scoring {self._inspected_label} on its test set…")
        self.feature_maps.set_image_count(0)
        self.set_model_source(ModelSource(run_id=run_id, runs_db=self._runs_db))
        self.inspector.request_evaluation()

    def _on_evaluation_ready(self, predictions: Predictions) -> None:
        self.show_predictions(predictions, f"{self._inspected_label.capitalize()} after epoch {predictions.epoch}")
        if 0 <= self._image_wanted < len(predictions.labels):
            self._on_image_clicked(self._image_wanted)
        self._image_wanted = -1

    def _on_evaluation_failed(self, message: str) -> None:
        self.confusion.show_message(f"Could not score {self._inspected_label}: {message}")

    def set_model_source(self, source: ModelSource | None) -> None:
        """Use the model of ``source`` for "try an image", Grad-CAM, feature maps and the label review."""
        self._maps_key = None
        self.explainer.forget()
        self.labels.set_model(None)
        self.inspector.set_source(source)

    # --- try an image -----------------------------------------------------------------------

    def open_image(self, path: str | Path) -> None:
        """Classify the image file at ``path`` and show the result on the "Try an image" page."""
        self.tabs.setCurrentWidget(self.predict)
        emit(self.activate_requested)
        self.predict.show_pending(str(path))
        self.inspector.request_prediction(str(path), *self.predict.options())

    def _on_prediction_ready(self, prediction: Prediction) -> None:
        self.predict.show_prediction(prediction)
        self._prediction = prediction
        if prediction.model is not None and len(prediction.top) > 1:
            self.predict.cam.choose_class(prediction.model.class_names.index(prediction.top[1][0]))
        self._explain_prediction()

    def _explain_prediction(self) -> None:
        p = self._prediction
        if p is None or p.model is None:
            return
        key = (p.path, *self.predict.options(), p.model.checkpoint)
        self.explainer.explain("predict", key, p.image, self.predict.cam.chosen_class)

    def _on_prediction_failed(self, message: str) -> None:
        self.predict.show_failure(message)

    def _on_prediction_options_changed(self) -> None:
        if self.predict.path:
            self.open_image(self.predict.path)

    # --- model ------------------------------------------------------------------------------

    def _on_model_ready(self, info: ModelInfo) -> None:
        self.model_info = info
        self.predict.set_model(info)
        self.feature_maps.set_model(info)
        self.labels.set_model(info)

    def _on_model_failed(self, message: str) -> None:
        self.model_info = None
        self.predict.set_model(None)
        self.predict.show_message(message)
        self.feature_maps.show_message(message)

    # --- feature maps -----------------------------------------------------------------------

    def _on_image_clicked(self, index: int) -> None:
        self.feature_maps.set_index(index)
        self.tabs.setCurrentWidget(self.feature_maps)

    def _on_page_changed(self, _index: int) -> None:
        self._schedule_maps()

    def _on_maps_choice_changed(self) -> None:
        self._update_chosen_image()
        self._schedule_maps()

    def _schedule_maps(self) -> None:
        if self.tabs.currentWidget() is self.feature_maps:
            self._maps_timer.start()

    def _update_chosen_image(self) -> None:
        p = self.confusion.predictions
        if p is None:
            return
        i = min(self.feature_maps.index, len(p.labels) - 1)
        names = p.class_names
        true, pred = int(p.labels[i]), int(p.predicted[i])
        verdict = "correct" if true == pred else "wrong"
        self.feature_maps.show_image(
            to_qimage(p.images[i]),
            f"#{i}: true {names[true]}, predicted {names[pred]} ({float(p.probs[i, pred]):.0%}, {verdict}; "
            f"epoch {p.epoch})",
        )

    def _update_maps(self) -> None:
        p, stage = self.confusion.predictions, self.feature_maps.stage
        if p is None or len(p.labels) == 0:
            self.feature_maps.show_message(NO_IMAGES)
            return
        if stage is None or self.model_info is None:
            if self.inspector.source is None:
                self.feature_maps.show_message(WAITING_FOR_MODEL)
            return
        index = self.feature_maps.index
        key = (id(p.images), index, stage, self.model_info.checkpoint)
        true = int(p.labels[index])
        self.explainer.explain("maps", (id(p.images), index, self.model_info.checkpoint), p.images[index], true, true)
        if key == self._maps_key:
            return
        self._maps_key = key
        self.inspector.request_maps(p.images[index], stage, index)

    def _on_maps_ready(self, grid: FeatureMapGrid) -> None:
        if self._maps_key is None or self.model_info is None or grid.model != self.model_info:
            return  # asked for before a new run or model came: it would show under the new one's image
        self.feature_maps.show_grid(grid)

    def _on_maps_failed(self, message: str) -> None:
        self._maps_key = None
        self.feature_maps.show_message(message)

    # --- suspicious labels ------------------------------------------------------------------

    def _explain_label(self, position: int) -> None:
        result = self.labels.result
        self._label_position = position
        if result is None or not 0 <= position < len(result.review.files):
            return
        r = result.review
        given = int(r.given[position])
        self.explainer.explain("labels", (r.files[position], result.model.checkpoint), r.images[position], given, given)

    def _train_again(self, cfg: RunConfig) -> None:
        """Train the reviewed run's settings again; the exclude list is read when its data loads."""
        if self._session is None or self._session.busy:
            self.labels.status.setText("The list is saved. A run is in progress: train again once it ends.")
            return
        if self._session.start(cfg):
            self.labels.status.setText("The list is saved; a run with the same settings is training without them.")
