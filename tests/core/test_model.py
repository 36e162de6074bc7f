"""The network matches the seed's ResNet-18 exactly and scales to other depths."""

from dataclasses import replace

import pytest
import torch

from resnet_gui.errors import ConfigError
from resnet_gui.model.resnet import Residual, build_model, count_params, resnet_block
from resnet_gui.settings.config import ModelConfig


def test_default_is_the_seed_resnet18() -> None:
    net = build_model(ModelConfig())
    assert count_params(net) == 11_178_378
    assert [n for n, _ in net.named_children()] == [
        "0",
        "1",
        "2",
        "3",
        "resnet_block1",
        "resnet_block2",
        "resnet_block3",
        "resnet_block4",
        "global_avg_pool",
        "fc",
    ]


def test_seed_shape_walk_at_224() -> None:
    net = build_model(ModelConfig()).eval()
    x = torch.rand(1, 1, 224, 224)
    shapes = []
    with torch.no_grad():
        for _, layer in net.named_children():
            x = layer(x)
            shapes.append(tuple(x.shape))
    assert shapes == [(1, 64, 112, 112)] * 3 + [
        (1, 64, 56, 56),
        (1, 64, 56, 56),
        (1, 128, 28, 28),
        (1, 256, 14, 14),
        (1, 512, 7, 7),
        (1, 512, 1, 1),
        (1, 10),
    ]


def test_residual_blocks_as_in_the_chapter() -> None:
    x = torch.rand(4, 3, 6, 6)
    assert Residual(3, 3)(x).shape == (4, 3, 6, 6)
    assert Residual(3, 6, use_1x1conv=True, stride=2)(x).shape == (4, 6, 3, 3)
    with pytest.raises(ValueError):
        resnet_block(64, 128, 2, first_block=True)


def test_configurable_depth_width_classes() -> None:
    net = build_model(ModelConfig(blocks=(3, 4, 6, 3), channels=64, in_channels=3, num_classes=100))
    assert [n for n, _ in net.named_children()][4:8] == [f"resnet_block{i}" for i in range(1, 5)]
    assert len(net.resnet_block3) == 6
    assert net(torch.rand(2, 3, 64, 64)).shape == (2, 100)
    small = build_model(ModelConfig(blocks=(1,), channels=8, stem="small", stem_pool=False))
    assert small(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    six = build_model(ModelConfig(blocks=(1,) * 6, channels=8))
    assert six.fc[1].in_features == 8 * 32


def test_pool_first_moves_the_small_stems_pool_before_its_batch_norm() -> None:
    cfg = ModelConfig(blocks=(1, 1, 1), channels=32, stem="small")
    plain, pooled_first = build_model(cfg), build_model(replace(cfg, pool_first=True))
    assert [type(m).__name__ for m in plain[:4]] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]
    assert [type(m).__name__ for m in pooled_first[:4]] == ["Conv2d", "MaxPool2d", "BatchNorm2d", "ReLU"]
    seen: list[tuple[int, ...]] = []
    pooled_first[2].register_forward_hook(lambda _m, inp, _out: seen.append(tuple(inp[0].shape)))
    assert pooled_first(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    assert seen == [(2, 32, 14, 14)]  # BN normalises the pooled map, a quarter of the conv's pixels
    assert count_params(pooled_first) == count_params(plain)
    # Without the pool (or with the d2l stem) there is nothing to move: the same network either way.
    for base in (replace(cfg, stem_pool=False), ModelConfig(blocks=(1,), channels=8)):
        assert str(build_model(replace(base, pool_first=True))) == str(build_model(base))


def test_invalid_model_settings_raise_config_error() -> None:
    with pytest.raises(ConfigError, match=r"model.channels"):
        build_model(ModelConfig(channels=0))


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"])
def test_torchvision_style_matches_torchvision_parameter_counts(name: str) -> None:
    from dataclasses import replace

    import torchvision.models as tvm

    from resnet_gui.settings.presets import model_preset

    cfg = replace(model_preset(name), block_style="torchvision", in_channels=3, num_classes=1000)
    with torch.device("meta"):
        assert count_params(build_model(cfg)) == count_params(getattr(tvm, name)())
    # Same for the seed's 1-channel, 10-class setting, against torchvision with its stem adapted.
    small = replace(cfg, in_channels=1, num_classes=10)
    with torch.device("meta"):
        ref = getattr(tvm, name)(num_classes=10)
        ref.conv1 = torch.nn.Conv2d(1, 64, 7, 2, 3, bias=False)
        assert count_params(build_model(small)) == count_params(ref)


def test_bottleneck_stage_shapes() -> None:
    from resnet_gui.settings.presets import model_preset

    net = build_model(model_preset("resnet50")).eval()
    x = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        for name, layer in net.named_children():
            x = layer(x)
            if name == "resnet_block1":
                assert x.shape == (1, 256, 16, 16)
    assert x.shape == (1, 10)
    assert type(net.resnet_block4[0]).__name__ == "Bottleneck" and net.resnet_block4[0].conv4 is not None
