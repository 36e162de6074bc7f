"""Runs in a few words: the network, the data set and a default name, for the Runs tab, the CLI and new runs."""

from __future__ import annotations

from pathlib import PurePath

from ..settings.config import RunConfig
from ..settings.presets import MODEL_PRESETS, matching_recipe


def standard_depth(cfg: RunConfig) -> str | None:
    """ "resnet18" ... "resnet152" when the network has a standard depth's blocks and 64 channels, else None."""
    m = cfg.model
    for name, (block, blocks) in MODEL_PRESETS.items():
        if (m.block, tuple(m.blocks), m.channels) == (block, blocks, 64):
            return name
    return None


def describe_network(cfg: RunConfig) -> str:
    """ "ResNet 2,2,2,2 · 64 ch · basic", with the block style when it is not the seed's."""
    m = cfg.model
    text = f"ResNet {','.join(str(b) for b in m.blocks)} · {m.channels} ch · {m.block}"
    return text if m.block_style == "d2l" else f"{text} ({m.block_style})"


def network_details(cfg: RunConfig, params: int | None = None) -> str:
    """The network in full, one fact a line (the Model column's tooltip)."""
    m = cfg.model
    depth = standard_depth(cfg)
    lines = [f"{describe_network(cfg)}" + (f" (ResNet-{depth.removeprefix('resnet')})" if depth else "")]
    lines.append(f"{len(m.blocks)} stages of {'+'.join(str(b) for b in m.blocks)} {m.block} blocks")
    if m.stem == "d2l":
        lines.append("stem: 7×7 conv, stride 2 + 3×3 max-pool")
    else:
        pool = " + 2×2 max-pool" + (" before BN and ReLU" if m.pool_first else "") if m.stem_pool else ""
        lines.append("stem: 3×3 conv, stride 1" + pool)
    lines.append(f"block style: {m.block_style}")
    if params is not None:
        lines.append(f"{params:,} parameters")
    return "\n".join(lines)


def folder_name(root: str | None) -> str:
    """The last part of an image folder's path ("" when none is set)."""
    return PurePath(root.rstrip("/\\")).name if root else ""


def describe_data(cfg: RunConfig) -> str:
    """The data set's name: "fashion-mnist", "sample", or "folder: flowers" for an image folder."""
    d = cfg.data
    if d.dataset == "folder":
        name = folder_name(d.folder)
        return f"folder: {name}" if name else "folder"
    return str(d.dataset)


def run_name(cfg: RunConfig) -> str:
    """A name that says what a run is: "fast-cpu · fashion-mnist", "resnet 1,1 · lr 0.05 · sample"."""
    data = describe_data(cfg)
    recipe = matching_recipe(cfg)
    if recipe is not None:
        return f"{recipe} · {data}"
    network = standard_depth(cfg) or f"resnet {','.join(str(b) for b in cfg.model.blocks)}"
    return f"{network} · lr {cfg.train.lr:g} · {data}"
