"""Layer-by-layer shapes, parameters and multiply-adds: the seed's shape walk, as data.

The walk runs on the meta device: shapes propagate without allocating or computing anything,
so ResNet-18 at 224x224 is summarised in milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..settings.config import ModelConfig
from .resnet import Bottleneck, Residual, build_model, count_params


@dataclass(frozen=True)
class LayerPart:
    """A leaf layer inside a residual block (a conv, a BN, ...), for expanding a block in tables and diagrams."""

    name: str
    type: str
    output_shape: tuple[int, ...]
    params: int
    macs: int
    kernel: str = ""
    stride: str = ""


@dataclass(frozen=True)
class LayerRow:
    """One layer: its name, type, output shape for a batch of one, parameters and multiply-adds.

    ``kernel`` and ``stride`` are set for convolutions and pools ("7×7", "2"); ``activation_bytes``
    is the float32 size of the output for one image; ``parts`` lists a block's leaf layers and
    ``shortcut`` describes its skip path ("identity" or "1×1 conv, stride 2").
    """

    name: str
    type: str
    output_shape: tuple[int, ...]
    params: int
    macs: int
    depth: int  # 0: a top-level child of the network; 1: a block inside a stage
    parent: str | None = None
    kernel: str = ""
    stride: str = ""
    trainable: int = 0
    activation_bytes: int = 0
    parts: tuple[LayerPart, ...] = ()
    shortcut: str = ""


@dataclass(frozen=True)
class Summary:
    """All rows plus totals; ``rows`` lists each top-level layer followed by its blocks."""

    rows: tuple[LayerRow, ...]
    total_params: int
    total_macs: int
    input_shape: tuple[int, int, int]

    @property
    def top_level(self) -> tuple[LayerRow, ...]:
        """The rows of the seed's shape walk (one per top-level child)."""
        return tuple(r for r in self.rows if r.depth == 0)

    def children(self, name: str) -> tuple[LayerRow, ...]:
        """The block rows inside top-level layer ``name``."""
        return tuple(r for r in self.rows if r.parent == name)


def _layer_macs(module: nn.Module, out: torch.Tensor) -> int:
    """Multiply-adds of one leaf layer for its output ``out`` (convolutions and linear layers)."""
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        per_output = (module.in_channels // module.groups) * kh * kw
        return out.numel() * per_output
    if isinstance(module, nn.Linear):
        return out.numel() * module.in_features
    return 0


def _kernel_stride(module: nn.Module) -> tuple[str, str]:
    k = getattr(module, "kernel_size", None)
    if k is None:
        return "", ""
    k = k if isinstance(k, tuple) else (k, k)
    st = getattr(module, "stride", 1)
    st = st if isinstance(st, tuple) else (st, st)
    return f"{k[0]}×{k[1]}", str(st[0]) if st[0] == st[1] else f"{st[0]}×{st[1]}"


def _shortcut(block: nn.Module) -> str:
    if isinstance(block, Bottleneck):
        proj, norm = block.conv4, block.bn4
    elif isinstance(block, Residual):
        proj, norm = block.conv3, block.bn3
    else:
        return ""
    if proj is None:
        return "identity"
    return f"1×1 conv, stride {proj.stride[0]}" + (" + BN" if norm is not None else "")


def _walk(module: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, int, list[LayerPart]]:
    """Run ``module`` on ``x``: its output, total multiply-adds and one part per leaf layer."""
    parts: list[LayerPart] = []
    names = {m: n for n, m in module.named_modules()}

    def hook(mod: nn.Module, _inp: Any, out: torch.Tensor) -> None:
        kernel, stride = _kernel_stride(mod)
        parts.append(
            LayerPart(
                names[mod],
                type(mod).__name__,
                tuple(out.shape),
                count_params(mod),
                _layer_macs(mod, out),
                kernel,
                stride,
            )
        )

    handles = [m.register_forward_hook(hook) for m in module.modules() if not list(m.children())]
    try:
        y = module(x)
    finally:
        for h in handles:
            h.remove()
    return y, sum(p.macs for p in parts), parts


def _trainable(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def summarize(model_cfg: ModelConfig, input_shape: tuple[int, int, int]) -> Summary:
    """Walk a batch of one (C, H, W) input through the network described by ``model_cfg``."""
    with torch.device("meta"):
        # Eval mode: a batch of one reaching a 1x1 map is legal at inference, not in BN training.
        net = build_model(model_cfg).eval()
        x = torch.empty((1, *input_shape))
    rows: list[LayerRow] = []
    total_macs = 0
    with torch.no_grad():
        for name, layer in net.named_children():
            block_rows: list[LayerRow] = []
            if name.startswith("resnet_block"):
                y = x
                macs = 0
                for i, block in enumerate(layer.children()):
                    y, block_macs, parts = _walk(block, y)
                    macs += block_macs
                    block_rows.append(
                        LayerRow(
                            f"{name}.{i}",
                            type(block).__name__,
                            tuple(y.shape),
                            count_params(block),
                            block_macs,
                            1,
                            name,
                            trainable=_trainable(block),
                            activation_bytes=y.numel() * 4,
                            parts=tuple(parts),
                            shortcut=_shortcut(block),
                        )
                    )
            else:
                y, macs, _ = _walk(layer, x)
            kernel, stride = _kernel_stride(layer)
            rows.append(
                LayerRow(
                    name,
                    type(layer).__name__,
                    tuple(y.shape),
                    count_params(layer),
                    macs,
                    0,
                    kernel=kernel,
                    stride=stride,
                    trainable=_trainable(layer),
                    activation_bytes=y.numel() * 4,
                )
            )
            rows.extend(block_rows)
            total_macs += macs
            x = y
    return Summary(tuple(rows), count_params(net), total_macs, tuple(input_shape))  # type: ignore[arg-type]


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def format_table(summary: Summary, blocks: bool = False) -> str:
    """A plain-text table of the summary with totals, as ``resnet-gui summary`` prints it."""
    rows = [r for r in summary.rows if blocks or r.depth == 0]
    header = ("layer", "type", "output shape", "params", "multiply-adds")
    lines = [
        (("  " * r.depth) + r.name, r.type, _shape_text(r.output_shape), f"{r.params:,}", f"{r.macs:,}") for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cols: tuple[str, ...]) -> str:
        left = [c.ljust(w) for c, w in zip(cols[:3], widths[:3], strict=False)]
        right = [c.rjust(w) for c, w in zip(cols[3:], widths[3:], strict=False)]
        return "  ".join(left + right)

    out = [f"input shape: {_shape_text((1, *summary.input_shape))}", fmt(header), "  ".join("-" * w for w in widths)]
    out += [fmt(line) for line in lines]
    out.append(f"total parameters: {summary.total_params:,}")
    out.append(f"total multiply-adds: {summary.total_macs:,} ({summary.total_macs / 1e9:.3f} G)")
    return "\n".join(out)


def to_json(summary: Summary) -> str:
    """One JSON document: ``layers`` (each with its ``blocks``), ``total_params``, ``total_macs``."""

    def row(r: LayerRow) -> dict[str, Any]:
        return {
            "name": r.name,
            "type": r.type,
            "output_shape": list(r.output_shape),
            "params": r.params,
            "macs": r.macs,
        }

    layers = []
    for r in summary.top_level:
        d = row(r)
        d["blocks"] = [row(c) for c in summary.children(r.name)]
        layers.append(d)
    return json.dumps(
        {
            "input_shape": [1, *summary.input_shape],
            "layers": layers,
            "total_params": summary.total_params,
            "total_macs": summary.total_macs,
        },
        indent=2,
    )
