"""The Results tab's error analysis on real trained models: per-class scores, top losses, where it looked,
and suspicious labels of an image folder excluded from the next run."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from resnet_gui.data.exclusions import exclude_file, read_exclusion
from resnet_gui.gui.jobs import Jobs
from resnet_gui.gui.session.run_session import RunSession
from resnet_gui.gui.tabs.results.inspection import ModelSource
from resnet_gui.gui.tabs.results.results_view import ResultsView
from resnet_gui.inference.metrics import class_scores, top_losses
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import with_changes

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]

WAIT_MS = 30000


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """Two epochs on the bundled sample: (its last EpochPredictions, the last checkpoint)."""
    import torch

    from resnet_gui.training.engine import fit
    from resnet_gui.training.events import EpochPredictions

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    reports: list[EpochPredictions] = []
    try:
        result = fit(
            tiny_config(epochs=2, batch_size=250, lr=0.01),
            callbacks=[lambda e: reports.append(e) if isinstance(e, EpochPredictions) else None],
            checkpoint_dir=tmp_path_factory.mktemp("ckpt"),
        )
    finally:
        torch.set_num_threads(before)
    return reports[-1], result.last_checkpoint


@pytest.fixture
def view(qtbot) -> Iterator[ResultsView]:
    gc.collect()
    v = ResultsView()
    qtbot.addWidget(v)
    v.resize(1000, 760)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()


def with_model(qtbot, view: ResultsView, trained) -> None:
    predictions, checkpoint = trained
    view.show_predictions(predictions)
    with qtbot.waitSignal(view.inspector.model_ready, timeout=WAIT_MS):
        view.set_model_source(ModelSource(checkpoint=checkpoint, class_names=predictions.class_names))


def click_thumbnail(qtbot, grid, row: int) -> None:
    rect = grid.visualItemRect(grid.item(row))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center().x(), rect.center().y()))


def test_per_class_scores_beside_the_matrix_sort_by_any_column(view, trained) -> None:
    predictions = trained[0]
    view.show_predictions(predictions)
    scores = class_scores(predictions.confusion())
    table = view.confusion.scores
    rows = table.shown_rows()
    assert [r[0] for r in rows] == list(predictions.class_names)  # the classes' order at first
    assert [r[1] for r in rows] == [f"{p:.3f}" for p in scores.precision]
    assert [r[3] for r in rows] == [f"{f:.3f}" for f in scores.f1] and [r[4] for r in rows] == ["100"] * 10
    table.sort_by(3, descending=True)
    f1 = [float(r[3]) for r in table.shown_rows()]
    assert f1 == sorted(f1, reverse=True)
    assert table.shown_rows()[0][0] == predictions.class_names[int(np.argmax(scores.f1))]
    table.sort_by(2)
    recalls = [float(r[2]) for r in table.shown_rows()]
    assert recalls == sorted(recalls) and recalls == pytest.approx(sorted(view.confusion.accuracies()), abs=5e-4)
    macro, weighted = scores.macro(), scores.weighted()
    assert f"Macro average: P {macro[0]:.3f} · R {macro[1]:.3f} · F1 {macro[2]:.3f}" in table.averages.text()
    assert (
        f"Weighted average: P {weighted[0]:.3f} · R {weighted[1]:.3f} · F1 {weighted[2]:.3f}" in table.averages.text()
    )
    assert weighted[1] == pytest.approx(predictions.accuracy)  # weighted recall is the accuracy
    view.confusion.clear()
    assert table.shown_rows() == [] and table.averages.text() == ""


def test_top_losses_show_the_most_confident_mistakes_and_open_where_it_looked(qtbot, view, trained) -> None:
    with_model(qtbot, view, trained)
    p = trained[0]
    page = view.top_losses
    shown = page.shown_indices()
    assert shown == top_losses(p.probs, p.labels, p.predicted, 60).tolist() and len(shown) == 60
    true_probs = [p.probs[i, p.labels[i]] for i in shown]
    assert true_probs == sorted(true_probs) and all(p.labels[i] != p.predicted[i] for i in shown)
    first = shown[0]
    names = p.class_names
    t, k = int(p.labels[first]), int(p.predicted[first])
    assert (
        page.thumbnails.item(0).text()
        == f"{names[k]} {p.probs[first, k]:.0%}\ntrue: {names[t]} {p.probs[first, t]:.0%}"
    )
    page.count_spin.setValue(5)
    assert page.shown_indices() == shown[:5]
    assert f"{int((p.labels != p.predicted).sum()):,} of 1,000 test images wrong" in page.summary.text()

    view.tabs.setCurrentWidget(page)
    with qtbot.waitSignal(view.inspector.cams_ready, timeout=WAIT_MS) as ready:
        click_thumbnail(qtbot, page.thumbnails, 0)
    assert view.tabs.currentWidget() is view.feature_maps and view.feature_maps.index == first
    pictures = ready.args[0]
    assert pictures.tag == "maps" and pictures.layer == "resnet_block1" and pictures.targets[1] == t
    assert [o.shape for o in pictures.overlays] == [(28, 28, 3), (28, 28, 3)]
    cam = view.feature_maps.cam
    shown_k = int(pictures.targets[0])  # the checkpoint's own answer (the same model as the epoch's here)
    assert shown_k == k
    assert cam.caption_texts()[0].startswith(f"predicted: {names[k]} (")
    assert cam.caption_texts()[1].startswith(f"true: {names[t]} (")
    assert cam.overlays[0] is not None and cam.overlays[0].width() == 28
    with qtbot.waitSignal(view.inspector.cams_ready, timeout=WAIT_MS) as again:
        cam.layer_combo.setCurrentIndex(cam.layer_combo.findData("0"))  # the stem's convolution
    assert again.args[0].layer == "0" and not np.array_equal(again.args[0].overlays[0], pictures.overlays[0])


def test_try_an_image_explains_the_predicted_and_a_chosen_class(qtbot, view, trained, tmp_path: Path) -> None:
    with_model(qtbot, view, trained)
    p = trained[0]
    path = tmp_path / "boot.png"
    Image.fromarray(p.images[int(np.flatnonzero(p.labels == 9)[0])][0]).save(path)
    with qtbot.waitSignal(view.inspector.cams_ready, timeout=WAIT_MS) as ready:
        view.open_image(path)
    cam = view.predict.cam
    top = view.predict.top_classes()
    assert ready.args[0].tag == "predict"
    assert cam.caption_texts()[0] == f"predicted: {top[0][0]} ({top[0][1]:.1%})"
    assert cam.caption_texts()[1] == f"chosen: {top[1][0]} ({top[1][1]:.1%})"  # the runner-up at first
    another = next(n for n in p.class_names if n not in (top[0][0], top[1][0]))
    with qtbot.waitSignal(view.inspector.cams_ready, timeout=WAIT_MS) as other:
        cam.class_combo.setCurrentIndex(cam.class_combo.findText(another))
    assert other.args[0].targets[1] == p.class_names.index(another)
    assert cam.caption_texts()[1].startswith(f"chosen: {another} (")
    assert not np.array_equal(other.args[0].overlays[1], ready.args[0].overlays[1])


# --- suspicious labels ------------------------------------------------------------------------

WRONG = ("bright/odd 0.png", "bright/odd 1.png")


def make_folder(root: Path) -> Path:
    """Two classes told apart by brightness, with two plainly dark images filed as bright."""
    for i in range(40):
        for name, level in (("bright", 190 + i % 20), ("dark", 40 - i % 20)):
            arr = np.random.default_rng(i + (0 if name == "bright" else 100)).random((16, 16)) * 40 + level
            (root / name).mkdir(parents=True, exist_ok=True)
            Image.fromarray(arr.astype(np.uint8)).save(root / name / f"{i}.png")
    for i, f in enumerate(WRONG):
        Image.fromarray((np.random.default_rng(500 + i).random((16, 16)) * 40).astype(np.uint8)).save(root / f)
    return root


@pytest.fixture
def session(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RunSession, ResultsView]]:
    monkeypatch.setenv("RESNET_GUI_CACHE", str(tmp_path / "cache"))
    gc.collect()
    jobs = Jobs()
    s = RunSession(jobs, tmp_path / "runs.sqlite")
    v = ResultsView(str(tmp_path / "runs.sqlite"), jobs)
    v.bind(s)
    qtbot.addWidget(v)
    v.resize(1000, 760)
    v.show()
    yield s, v
    v.shutdown()
    s.shutdown()
    jobs.shutdown()


def test_suspicious_labels_are_listed_excluded_and_left_out_of_the_next_run(qtbot, session, tmp_path: Path) -> None:
    s, view = session
    root = make_folder(tmp_path / "my photos")
    cfg = with_changes(
        tiny_config(epochs=4, batch_size=16, lr=0.03, seed=0),
        data={"dataset": "folder", "folder": str(root), "image_size": 16, "test_fraction": 0.2},
        model={"stem": "small"},
    )
    ends: list[str] = []
    s.run_ended.connect(lambda status, _m, _o: ends.append(status))
    assert s.start(cfg)
    qtbot.waitUntil(lambda: bool(ends) and view.model_info is not None, timeout=RUN_TIMEOUT_MS)
    first_run = s.run_id
    labels = view.labels
    assert labels.find_button.isEnabled() and str(root) in labels.summary.text()
    view.tabs.setCurrentWidget(labels)
    with qtbot.waitSignal(view.inspector.review_ready, timeout=WAIT_MS):
        labels.find_button.click()
    review = labels.result.review
    assert labels.thumbnails.count() == len(review.files) == review.scored  # fewer than the limit: all of them
    assert list(review.given_prob) == sorted(review.given_prob)
    in_train = [f for f in WRONG if f in review.files]
    assert in_train and set(review.files[: len(in_train)]) == set(in_train)
    assert labels.thumbnails.item(0).text().startswith("⚑ bright ")  # flagged by cleanlab
    assert "In-sample" in labels.caveat.text()

    with qtbot.waitSignal(view.inspector.cams_ready, timeout=WAIT_MS) as ready:
        click_thumbnail(qtbot, labels.thumbnails, 0)
    assert ready.args[0].tag == "labels" and labels.file_label.text() == review.files[0]
    assert labels.cam.caption_texts()[1].startswith("given: bright (")

    for row in range(len(in_train)):
        labels.thumbnails.item(row).setCheckState(Qt.CheckState.Checked)
    assert labels.save_button.isEnabled()
    ends.clear()
    labels.train_button.click()  # saves the list, then trains the same settings again
    assert read_exclusion(root).paths == tuple(sorted(in_train))
    qtbot.waitUntil(lambda: bool(ends), timeout=RUN_TIMEOUT_MS)
    assert ends == ["finished"] and s.run_id != first_run
    store = RunStore(tmp_path / "runs.sqlite")
    assert store.get(s.run_id).excluded == tuple(sorted(in_train)) and store.get(first_run).excluded == ()

    qtbot.waitUntil(lambda: view.model_info is not None and labels.model is not None, timeout=WAIT_MS)
    with qtbot.waitSignal(view.inspector.review_ready, timeout=WAIT_MS):
        labels.find_button.click()
    ticked = labels.ticked_files()
    assert sorted(ticked) == sorted(in_train)  # the excluded images are still reviewed, shown ticked
    for row in range(labels.thumbnails.count()):
        labels.thumbnails.item(row).setCheckState(Qt.CheckState.Unchecked)
    assert labels.save()
    assert not exclude_file(root).exists() and "No image" in labels.status.text()


def test_a_standard_data_sets_model_has_no_labels_to_review(qtbot, view, trained) -> None:
    with_model(qtbot, view, trained)
    assert not view.labels.find_button.isEnabled()
    assert (
        "image folder of your own" in view.labels.summary.text() and "trained on sample" in view.labels.summary.text()
    )
