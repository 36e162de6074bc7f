"""The seed's residual network: ``Residual``, ``resnet_block`` and a configurable builder.

Names follow the d2l chapter so a learner can map the app back to it: the stem layers are the
Sequential's children 0-3, then ``resnet_block1``..N, ``global_avg_pool`` and ``fc``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..settings.config import ModelConfig, RunConfig
from ..settings.validation import validate


class Residual(nn.Module):
    """3x3 conv -> BN -> ReLU -> 3x3 conv -> BN, plus the input (via a 1x1 conv when shapes change), then ReLU.

    ``style="torchvision"`` drops the conv biases (BN follows every conv) and puts a BN after the
    1x1 projection, as torchvision's BasicBlock does.
    """

    expansion = 1

    def __init__(
        self, in_channels: int, out_channels: int, use_1x1conv: bool = False, stride: int = 1, style: str = "d2l"
    ) -> None:
        super().__init__()
        bias = style == "d2l"
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, stride=stride, bias=bias)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=bias)
        self.conv3 = (
            nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=bias) if use_1x1conv else None
        )
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels) if use_1x1conv and style == "torchvision" else None

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
            if self.bn3 is not None:
                X = self.bn3(X)
        return F.relu(Y + X)


class Bottleneck(nn.Module):
    """1x1 conv (reduce) -> 3x3 conv (stride) -> 1x1 conv (expand 4x), each with BN, plus the shortcut.

    As in He et al. 2015 for ResNet-50 and deeper; the shortcut is a 1x1 conv (``conv4``) when the
    shape changes, followed by BN in the torchvision style.
    """

    expansion = 4

    def __init__(
        self, in_channels: int, width: int, use_1x1conv: bool = False, stride: int = 1, style: str = "d2l"
    ) -> None:
        super().__init__()
        bias = style == "d2l"
        out_channels = width * self.expansion
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, bias=bias)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=1, stride=stride, bias=bias)
        self.conv3 = nn.Conv2d(width, out_channels, kernel_size=1, bias=bias)
        self.bn1 = nn.BatchNorm2d(width)
        self.bn2 = nn.BatchNorm2d(width)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.conv4 = (
            nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=bias) if use_1x1conv else None
        )
        self.bn4 = nn.BatchNorm2d(out_channels) if use_1x1conv and style == "torchvision" else None

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        if self.conv4 is not None:
            X = self.conv4(X)
            if self.bn4 is not None:
                X = self.bn4(X)
        return F.relu(Y + X)


def resnet_block(
    in_channels: int,
    out_channels: int,
    num_residuals: int,
    first_block: bool = False,
    block: str = "basic",
    style: str = "d2l",
) -> nn.Sequential:
    """A stage of ``num_residuals`` blocks; all but the first stage halve height and width.

    ``out_channels`` is the stage's output; a bottleneck stage works at a quarter of it inside.
    """
    if block == "basic" and first_block and in_channels != out_channels:
        raise ValueError(f"the first stage keeps its channels: got {in_channels} -> {out_channels}")
    blocks: list[nn.Module] = []
    for i in range(num_residuals):
        stride = 2 if i == 0 and not first_block else 1
        block_in = in_channels if i == 0 else out_channels
        project = i == 0 and (stride != 1 or block_in != out_channels)
        if block == "bottleneck":
            blocks.append(Bottleneck(block_in, out_channels // Bottleneck.expansion, project, stride, style))
        else:
            blocks.append(Residual(block_in, out_channels, use_1x1conv=project, stride=stride, style=style))
    return nn.Sequential(*blocks)


class GlobalAvgPool2d(nn.Module):
    """Average each channel over its whole height and width: (N, C, H, W) -> (N, C, 1, 1)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(x, 1)


class FlattenLayer(nn.Module):
    """(N, *) -> (N, prod(*))."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], -1)


def _stem(cfg: ModelConfig) -> list[nn.Module]:
    bias = cfg.block_style == "d2l"
    if cfg.stem == "d2l":
        return [
            nn.Conv2d(cfg.in_channels, cfg.channels, kernel_size=7, stride=2, padding=3, bias=bias),
            nn.BatchNorm2d(cfg.channels),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        ]
    # Small images (28 px): a 3x3 stride-1 conv keeps the detail a 7x7/2 conv would discard.
    conv = nn.Conv2d(cfg.in_channels, cfg.channels, kernel_size=3, padding=1, bias=bias)
    norm_act: list[nn.Module] = [nn.BatchNorm2d(cfg.channels), nn.ReLU()]
    if not cfg.stem_pool:
        return [conv, *norm_act]
    pool = nn.MaxPool2d(kernel_size=2, stride=2)
    # Pooling first leaves BN and ReLU a quarter of the pixels: the fast-cpu network's training steps
    # ran 1.15x faster at the same accuracy (docs/benchmarks.md, "The stem's pool before its batch norm").
    return [conv, pool, *norm_act] if cfg.pool_first else [conv, *norm_act, pool]


def stage_channels(cfg: ModelConfig) -> list[int]:
    """Output channels of each stage: the first stage's (times 4 for bottlenecks), doubling per stage."""
    expansion = Bottleneck.expansion if cfg.block == "bottleneck" else 1
    return [cfg.channels * expansion * 2**i for i in range(len(cfg.blocks))]


def build_model(cfg: ModelConfig | RunConfig) -> nn.Sequential:
    """Build the network; invalid settings raise ConfigError naming the field."""
    if isinstance(cfg, RunConfig):
        cfg = cfg.model
    problems = [p for p in validate(RunConfig(model=cfg)) if p.field.startswith("model.")]
    if problems:
        raise ConfigError("; ".join(str(p) for p in problems))
    net = nn.Sequential(*_stem(cfg))
    widths = stage_channels(cfg)
    in_ch = cfg.channels
    for i, (n, out_ch) in enumerate(zip(cfg.blocks, widths, strict=False), start=1):
        net.add_module(
            f"resnet_block{i}",
            resnet_block(in_ch, out_ch, n, first_block=(i == 1), block=cfg.block, style=cfg.block_style),
        )
        in_ch = out_ch
    net.add_module("global_avg_pool", GlobalAvgPool2d())
    net.add_module("fc", nn.Sequential(FlattenLayer(), nn.Linear(in_ch, cfg.num_classes)))
    return net


def count_params(model: nn.Module) -> int:
    """Number of parameters (trainable or not)."""
    return sum(p.numel() for p in model.parameters())


def classes_of(net: nn.Module) -> int:
    """How many classes a network built by ``build_model`` predicts."""
    fc = net.get_submodule("fc.1")
    assert isinstance(fc, nn.Linear)
    return fc.out_features


def input_channels_of(net: nn.Module) -> int:
    """How many channels a network built by ``build_model`` takes."""
    stem = net.get_submodule("0")
    assert isinstance(stem, nn.Conv2d)
    return stem.in_channels
