"""The seed's residual network: ``Residual``, ``resnet_block`` and a configurable builder.

Names follow the d2l chapter so a learner can map the app back to it: the stem layers are the
Sequential's children 0-3, then ``resnet_block1``..N, ``global_avg_pool`` and ``fc``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig, RunConfig, validate
from .errors import ConfigError


class Residual(nn.Module):
    """3x3 conv -> BN -> ReLU -> 3x3 conv -> BN, plus the input (via a 1x1 conv when shapes change), then ReLU."""

    def __init__(self, in_channels: int, out_channels: int, use_1x1conv: bool = False,
                 stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, stride=stride)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.conv3 = (nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
                      if use_1x1conv else None)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


def resnet_block(in_channels: int, out_channels: int, num_residuals: int,
                 first_block: bool = False) -> nn.Sequential:
    """A stage of ``num_residuals`` blocks; all but the first stage halve height and width."""
    if first_block and in_channels != out_channels:
        raise ValueError(f"the first stage keeps its channels: got {in_channels} -> {out_channels}")
    blocks: list[nn.Module] = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(in_channels, out_channels, use_1x1conv=True, stride=2))
        else:
            blocks.append(Residual(out_channels, out_channels))
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
    if cfg.stem == "d2l":
        return [nn.Conv2d(cfg.in_channels, cfg.channels, kernel_size=7, stride=2, padding=3),
                nn.BatchNorm2d(cfg.channels), nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1)]
    # Small images (28 px): a 3x3 stride-1 conv keeps the detail a 7x7/2 conv would discard.
    layers: list[nn.Module] = [nn.Conv2d(cfg.in_channels, cfg.channels, kernel_size=3, padding=1),
                               nn.BatchNorm2d(cfg.channels), nn.ReLU()]
    if cfg.stem_pool:
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return layers


def stage_channels(cfg: ModelConfig) -> list[int]:
    """Output channels of each stage: the first stage's, doubling per stage."""
    return [cfg.channels * 2 ** i for i in range(len(cfg.blocks))]


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
    for i, (n, out_ch) in enumerate(zip(cfg.blocks, widths), start=1):
        net.add_module(f"resnet_block{i}", resnet_block(in_ch, out_ch, n, first_block=(i == 1)))
        in_ch = out_ch
    net.add_module("global_avg_pool", GlobalAvgPool2d())
    net.add_module("fc", nn.Sequential(FlattenLayer(), nn.Linear(in_ch, cfg.num_classes)))
    return net


def count_params(model: nn.Module) -> int:
    """Number of parameters (trainable or not)."""
    return sum(p.numel() for p in model.parameters())
