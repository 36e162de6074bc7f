"""The layer-shape summary: the seed's shape walk, parameter counts, multiply-adds."""

import json
import time

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from resnet_gui.model.resnet import build_model, count_params
from resnet_gui.model.summary import format_table, summarize, to_json
from resnet_gui.settings.config import ModelConfig

SEED_SHAPES_224 = {
    "0": (1, 64, 112, 112),
    "3": (1, 64, 56, 56),
    "resnet_block1": (1, 64, 56, 56),
    "resnet_block2": (1, 128, 28, 28),
    "resnet_block3": (1, 256, 14, 14),
    "resnet_block4": (1, 512, 7, 7),
    "global_avg_pool": (1, 512, 1, 1),
    "fc": (1, 10),
}


def test_seed_shapes_and_totals_at_224() -> None:
    s = summarize(ModelConfig(), (1, 224, 224))
    shapes = {r.name: r.output_shape for r in s.top_level}
    assert {k: shapes[k] for k in SEED_SHAPES_224} == SEED_SHAPES_224
    assert s.total_params == 11_178_378
    assert sum(r.params for r in s.top_level) == s.total_params
    # 7x7 stem conv: 64 x 112 x 112 outputs, each 1 x 7 x 7 multiply-adds.
    assert s.top_level[0].macs == 64 * 112 * 112 * 49
    assert s.rows[s.rows.index(s.top_level[-1])].macs == 512 * 10


def test_blocks_expand_under_their_stage() -> None:
    s = summarize(ModelConfig(blocks=(3, 4, 6, 3)), (1, 96, 96))
    kids = s.children("resnet_block3")
    assert [k.name for k in kids] == [f"resnet_block3.{i}" for i in range(6)]
    assert all(k.type == "Residual" and k.depth == 1 for k in kids)
    stage = next(r for r in s.top_level if r.name == "resnet_block3")
    assert sum(k.params for k in kids) == stage.params
    assert sum(k.macs for k in kids) == stage.macs
    assert s.total_params == count_params(build_model(ModelConfig(blocks=(3, 4, 6, 3))))


def test_macs_match_a_real_forward_count() -> None:
    cfg = ModelConfig(blocks=(1, 1), channels=8)
    s = summarize(cfg, (1, 32, 32))
    net = build_model(cfg).eval()
    total = 0

    def hook(m, _i, out):
        nonlocal total
        if isinstance(m, torch.nn.Conv2d):
            total += out.numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, torch.nn.Linear):
            total += out.numel() * m.in_features

    for m in net.modules():
        m.register_forward_hook(hook)
    with torch.no_grad():
        out = net(torch.rand(1, 1, 32, 32))
    assert total == s.total_macs
    assert tuple(out.shape) == s.top_level[-1].output_shape


@pytest.mark.parametrize(
    "cfg,shape",
    [
        (ModelConfig(), (1, 96, 96)),  # the seed's ResNet-18
        (ModelConfig(block="bottleneck", blocks=(3, 4, 6, 3)), (1, 96, 96)),  # ResNet-50's blocks, d2l style
        (ModelConfig(block="bottleneck", blocks=(3, 4, 6, 3), block_style="torchvision", in_channels=3), (3, 224, 224)),
        (ModelConfig(stem="small", stem_pool=False, blocks=(1, 1), channels=8), (1, 32, 32)),
        (ModelConfig(stem="small", in_channels=3), (3, 32, 32)),
    ],
    ids=["seed-96", "bottleneck-96", "resnet50-torchvision-224", "small-stem", "small-stem-pooled"],
)
def test_macs_match_torch_flop_counter(cfg: ModelConfig, shape: tuple[int, int, int]) -> None:
    """torch counts 2 FLOPs per multiply-add of aten.convolution and aten.addmm (the linear layer), and neither
    counts biases, norms, pools or additions, so its total is exactly twice ours. It counts from shapes: the
    meta device suffices."""
    with torch.device("meta"):
        net = build_model(cfg).eval()
        x = torch.empty((1, *shape))
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        net(x)
    by_op = {str(op): n for op, n in counter.get_flop_counts()["Global"].items()}
    assert set(by_op) == {"aten.convolution", "aten.addmm"}
    s = summarize(cfg, shape)
    assert counter.get_total_flops() == 2 * s.total_macs
    assert by_op["aten.addmm"] == 2 * s.top_level[-1].macs


def test_fast_enough_for_live_updates() -> None:
    summarize(ModelConfig(), (1, 224, 224))
    times = []
    for _ in range(5):
        # CPU time of this process, so other processes loading the machine do not count against it.
        start = time.process_time()
        summarize(ModelConfig(), (1, 224, 224))
        times.append(time.process_time() - start)
    assert sorted(times)[2] < 0.2


def test_text_and_json_output() -> None:
    s = summarize(ModelConfig(), (1, 96, 96))
    text = format_table(s)
    assert "resnet_block4" in text and "(1, 512, 3, 3)" in text and "11,178,378" in text
    doc = json.loads(to_json(s))
    assert doc["total_params"] == 11_178_378
    assert [layer["name"] for layer in doc["layers"]][-2:] == ["global_avg_pool", "fc"]
    assert set(doc["layers"][0]) >= {"name", "type", "output_shape", "params", "macs"}


def test_kernel_stride_memory_and_block_parts() -> None:
    s = summarize(ModelConfig(), (1, 96, 96))
    rows = {r.name: r for r in s.rows}
    assert (rows["0"].kernel, rows["0"].stride) == ("7×7", "2") and (rows["3"].kernel, rows["3"].stride) == ("3×3", "2")
    assert rows["0"].activation_bytes == 64 * 48 * 48 * 4
    assert rows["resnet_block1.0"].shortcut == "identity"
    assert rows["resnet_block2.0"].shortcut == "1×1 conv, stride 2"
    convs = [(p.name, p.kernel, p.stride) for p in rows["resnet_block2.0"].parts if p.type == "Conv2d"]
    assert convs == [("conv1", "3×3", "2"), ("conv2", "3×3", "1"), ("conv3", "1×1", "2")]
    assert sum(p.params for p in rows["resnet_block2.0"].parts) == rows["resnet_block2.0"].params
    assert rows["resnet_block4"].trainable == rows["resnet_block4"].params


def test_bottleneck_parts_torchvision_style() -> None:
    from dataclasses import replace

    from resnet_gui.settings.presets import model_preset

    s = summarize(replace(model_preset("resnet50"), block_style="torchvision", in_channels=3), (3, 224, 224))
    first = next(r for r in s.rows if r.name == "resnet_block1.0")
    assert first.type == "Bottleneck" and first.shortcut == "1×1 conv, stride 1 + BN"
    assert [p.kernel for p in first.parts if p.type == "Conv2d"] == ["1×1", "3×3", "1×1", "1×1"]
    assert first.output_shape == (1, 256, 56, 56)
