"""Grad-CAM maps of a trained network: the image's size, one per class asked, different per class."""

from __future__ import annotations

import numpy as np
import pytest

from resnet_gui.errors import UserError
from resnet_gui.inference.gradcam import cam_layers, class_maps, default_layer, overlay
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.engine import fit
from resnet_gui.training.events import EpochPredictions

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1, 1), "channels": 8, "stem": "small"},
    train={"epochs": 1, "batch_size": 250, "precision": "fp32"},
)


@pytest.fixture(scope="module")
def trained():
    """(the network, the test predictions) after one epoch on the sample."""
    reports: list[EpochPredictions] = []
    result = fit(CFG, callbacks=[lambda e: reports.append(e) if isinstance(e, EpochPredictions) else None])
    return result.model.cpu().eval(), reports[-1]


def test_maps_have_the_images_size_and_change_with_the_class(trained) -> None:
    net, p = trained
    wrong = int(np.flatnonzero(p.labels != p.predicted)[0])
    image, true, predicted = p.images[wrong], int(p.labels[wrong]), int(p.predicted[wrong])
    result = class_maps(net, image, 0, (predicted, true))
    assert result.layer == default_layer(net) == "resnet_block2"
    assert result.targets == (predicted, true) and result.predicted == predicted
    assert result.maps.shape == (2, 28, 28) and result.maps.dtype == np.float32
    assert np.allclose(result.probs, p.probs[wrong], atol=1e-4)  # the same answer as the test pass
    for m, peak in zip(result.maps, result.peaks, strict=True):
        assert m.min() >= 0 and m.max() == pytest.approx(1.0 if peak > 0 else 0.0)
    assert result.peaks[0] > 0  # the predicted class has evidence somewhere
    assert np.abs(result.maps[0] - result.maps[1]).mean() > 0.05


def test_every_layer_gives_a_map_of_the_images_size_even_when_the_run_resized(trained) -> None:
    net, p = trained
    image = p.images[0]
    assert cam_layers(net)[-2:] == ["resnet_block1", "resnet_block2"]
    for layer in cam_layers(net):
        assert class_maps(net, image, 0, (3,), layer).maps.shape == (1, 28, 28)
    assert class_maps(net, image, 56, ()).maps.shape == (1, 28, 28)  # input resized to 56, map back to 28


def test_a_wrong_layer_or_class_says_what_there_is(trained) -> None:
    net, p = trained
    with pytest.raises(UserError, match=r"choose one of .*resnet_block2"):
        class_maps(net, p.images[0], 0, (), "fc")
    with pytest.raises(UserError, match="classes 0 to 9"):
        class_maps(net, p.images[0], 0, (10,))


def test_the_overlay_keeps_the_image_where_the_map_is_zero() -> None:
    image = np.full((1, 4, 4), 100, dtype=np.uint8)
    cam = np.zeros((4, 4), dtype=np.float32)
    cam[0, 0] = 1.0
    picture = overlay(image, cam, scale=3)
    assert picture.shape == (12, 12, 3) and picture.dtype == np.uint8
    assert (picture[3:, 3:] == 100).all()  # grey, untouched
    assert not (picture[0, 0] == 100).all()  # coloured where the map peaks
    colour = np.zeros((3, 4, 4), dtype=np.uint8)
    colour[0] = 200  # red
    assert (overlay(colour, np.zeros((4, 4), dtype=np.float32))[..., 0] == 200).all()  # kept in colour
