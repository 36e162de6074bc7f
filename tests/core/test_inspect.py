"""Inspecting a trained network: confusion counts, one image's top-5, feature maps."""

import contextlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from resnet_gui.data.images import load_image
from resnet_gui.errors import UserError
from resnet_gui.inference.metrics import confusion_counts, per_class_accuracy
from resnet_gui.inference.single_image import feature_maps, stage_names, top_k
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.engine import fit
from resnet_gui.training.events import EpochPredictions

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 32},
    model={"blocks": (1, 1), "channels": 8},
    train={"epochs": 1, "batch_size": 500},
)


@pytest.fixture(scope="module")
def run():
    reports: list = []
    result = fit(CFG, callbacks=[lambda e: reports.append(e) if isinstance(e, EpochPredictions) else None])
    return result, reports[-1]


def test_confusion_counts_add_up(run) -> None:
    result, report = run
    counts = report.confusion()
    assert counts.shape == (10, 10) and counts.sum() == 1000
    assert counts.sum(axis=1).tolist() == [100] * 10
    assert np.trace(counts) / 1000 == pytest.approx(result.history[-1].test_acc)
    assert np.allclose(report.probs.sum(axis=1), 1, atol=1e-3)
    t, p = np.unravel_index(np.argmax(counts - np.diag(np.diag(counts))), counts.shape)
    assert len(report.cell(t, p)) == counts[t, p]


def test_counts_and_per_class_accuracy_by_hand() -> None:
    counts = confusion_counts(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    assert per_class_accuracy(counts).tolist() == [0.5, 1.0, 0.0]


def test_any_image_file_gets_a_top5(run, tmp_path: Path) -> None:
    result, _ = run
    rgb = Image.fromarray((np.random.default_rng(0).random((300, 200, 3)) * 255).astype(np.uint8))
    rgb.save(tmp_path / "photo.jpg")
    image = load_image(tmp_path / "photo.jpg")
    assert image.shape == (1, 28, 28) and image.dtype == np.uint8
    top = top_k(result.model.cpu(), image, 32, ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"))
    assert len(top) == 5 and all(0 <= p <= 1 for _, p in top)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(UserError, match=r"junk.png is not a readable image"):
        load_image(tmp_path / "junk.png")


def test_feature_maps_of_each_stage(run) -> None:
    result, _ = run
    net = result.model.cpu()
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    assert "resnet_block2" in stage_names(net)
    maps = feature_maps(net, image, 32, "resnet_block2")
    assert maps.shape == (16, 4, 4)
    with pytest.raises(UserError, match="No layer 'fc'"):
        feature_maps(net, image, 32, "fc")


def test_a_saved_model_scores_its_test_set_as_its_run_did(tmp_path: Path) -> None:
    from resnet_gui.inference.predictions import evaluate_checkpoint, test_set_predictions
    from resnet_gui.inference.trained import load_trained

    cfg = with_changes(CFG, train={"precision": "fp32", "epochs": 2})
    result = fit(cfg, checkpoint_dir=tmp_path)
    trained = load_trained(result.best_checkpoint)
    best = max(e.test_acc for e in result.history)
    names = tuple(f"kind {i}" for i in range(10))
    predictions = test_set_predictions(trained.net, trained.config.data, names, precision="fp32", epoch=trained.epochs)
    assert predictions.accuracy == pytest.approx(best)
    assert predictions.class_names == names and predictions.images.shape == (1000, 1, 28, 28)
    assert predictions.epoch == next(e.epoch for e in result.history if e.test_acc == best)
    assert evaluate_checkpoint(result.best_checkpoint).accuracy == pytest.approx(best)

    three_classes = tmp_path / "three"
    for k in range(3):
        for i in range(4):
            (three_classes / f"class {k}").mkdir(parents=True, exist_ok=True)
            image = Image.fromarray(np.full((28, 28), 60 * k + i, dtype=np.uint8))
            image.save(three_classes / f"class {k}" / f"{i}.png")
    folder = with_changes(trained.config, data={"dataset": "folder", "folder": str(three_classes)}).data
    with pytest.raises(UserError, match=r"predicts 10 classes but .* has 3"):
        test_set_predictions(trained.net, folder)


def test_test_time_flips_average_each_image_with_its_mirror_image(tmp_path: Path) -> None:
    from resnet_gui.data.batching import DeviceBatcher
    from resnet_gui.data.datasets import load_sample
    from resnet_gui.inference.predictions import evaluate_checkpoint, predict_batches
    from resnet_gui.inference.trained import load_trained

    cfg = with_changes(CFG, train={"precision": "fp32", "epochs": 1, "test_flips": True})
    result = fit(cfg, checkpoint_dir=tmp_path)
    trained = load_trained(result.last_checkpoint)
    net = trained.net.eval()
    data = load_sample()
    test = DeviceBatcher(data.test_x, data.test_y, 256, torch.device("cpu"), cfg.data.resize)
    context = contextlib.nullcontext()
    _, plain = predict_batches(net, test, context)
    _, mirrored = predict_batches(
        net, DeviceBatcher(data.test_x.flip(-1), data.test_y, 256, torch.device("cpu"), cfg.data.resize), context
    )
    predicted, both = predict_batches(net, test, context, flips=True)
    np.testing.assert_allclose(both, (plain + mirrored) / 2, atol=1e-5)
    assert not np.allclose(both, plain, atol=1e-3)  # the mirror images do change the scores
    flipped_acc = float((predicted == data.test_y.numpy()).mean())
    # The run reported, and a saved run's scoring repeats, the accuracy with flips.
    assert result.history[0].test_acc == pytest.approx(flipped_acc)
    assert evaluate_checkpoint(result.last_checkpoint).accuracy == pytest.approx(flipped_acc)


def test_shifted_moves_images_by_one_pixel_repeating_the_edge() -> None:
    from resnet_gui.inference.predictions import scoring_views, shifted

    x = torch.arange(9.0).reshape(1, 1, 3, 3)  # rows 0 1 2 / 3 4 5 / 6 7 8
    assert shifted(x, 1, 0)[0, 0].tolist() == [[0, 1, 2], [0, 1, 2], [3, 4, 5]]  # down
    assert shifted(x, -1, 0)[0, 0].tolist() == [[3, 4, 5], [6, 7, 8], [6, 7, 8]]  # up
    assert shifted(x, 0, 1)[0, 0].tolist() == [[0, 0, 1], [3, 3, 4], [6, 6, 7]]  # right
    assert shifted(x, 0, -1)[0, 0].tolist() == [[1, 2, 2], [4, 5, 5], [7, 8, 8]]  # left
    assert [len(scoring_views(x, f, s)) for f, s in ((False, False), (True, False), (False, True), (True, True))] == [
        1,
        2,
        5,
        10,
    ]


def test_test_time_shifts_score_the_last_epoch_with_ten_views(tmp_path: Path) -> None:
    from resnet_gui.data.batching import DeviceBatcher
    from resnet_gui.data.datasets import load_sample
    from resnet_gui.inference.predictions import (
        SHIFTS,
        evaluate_checkpoint,
        predict_batches,
        shifted,
        views_for_epoch,
    )
    from resnet_gui.inference.trained import load_trained

    cfg = with_changes(CFG, train={"precision": "fp32", "epochs": 1, "test_flips": True, "test_shifts": True})
    assert views_for_epoch(with_changes(cfg, train={"epochs": 3}).train, 2) == (True, False)
    assert views_for_epoch(with_changes(cfg, train={"epochs": 3}).train, 3) == (True, True)
    reports: list = []
    result = fit(cfg, checkpoint_dir=tmp_path, callbacks=[reports.append])
    assert [r.views for r in reports if isinstance(r, EpochPredictions)] == [10]  # the Results tab's scores
    net = load_trained(result.last_checkpoint).net.eval()
    data = load_sample()
    test = DeviceBatcher(data.test_x, data.test_y, 256, torch.device("cpu"), cfg.data.resize)
    with torch.no_grad():
        by_hand = []
        for X, _ in test.batches():
            views = [X, X.flip(-1)]
            views += [shifted(v, dy, dx) for v in views for dy, dx in SHIFTS]
            by_hand.append(torch.stack([torch.softmax(net(v), dim=1) for v in views]).mean(0))
    expected = torch.cat(by_hand).numpy()
    predicted, ten = predict_batches(net, test, contextlib.nullcontext(), flips=True, shifts=True)
    np.testing.assert_allclose(ten, expected, atol=1e-5)
    _, two = predict_batches(net, test, contextlib.nullcontext(), flips=True)
    assert not np.allclose(ten, two, atol=1e-3)  # the shifted views do change the scores
    accuracy = float((predicted == data.test_y.numpy()).mean())
    assert result.history[-1].test_acc == pytest.approx(accuracy)
    evaluation = evaluate_checkpoint(result.last_checkpoint)
    assert evaluation.accuracy == pytest.approx(accuracy) and evaluation.views == 10
