"""Named recipes (the seed's exactly, and the fastest found to high accuracy) and the standard depths."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .config import SPECS, DataConfig, ModelConfig, RunConfig, TrainConfig, get_field, with_values
from .fields import Block, format_value

# 28 px with a 3x3 stem: a quarter of the seed's pixels per image, and the accuracy improves.
# Tuned on the 2-core development CPU (docs/benchmarks.md): 28 px, 3x3 stem with a 2x2 pool,
# three 32-channel stages, SGD one-cycle, 10 epochs; the sweep benchmarks/sweeps/fast_cpu_094.toml
# chose flips in training and in scoring with weight decay 5e-4 and label smoothing 0.1. The pool comes
# before the stem's BN and ReLU: 1.15x faster steps, 0.9455-0.9459 over three seeds against 0.9442-0.9454.
FAST_CPU = RunConfig(
    ModelConfig(blocks=(1, 1, 1), channels=32, stem="small", stem_pool=True, pool_first=True),
    DataConfig(dataset="fashion-mnist", resize=0),
    TrainConfig(
        lr=0.2,
        batch_size=256,
        epochs=10,
        optimizer="sgd",
        momentum=0.9,
        weight_decay=5e-4,
        schedule="onecycle",
        label_smoothing=0.1,
        augment="flip",
        test_flips=True,
    ),
)

PRESETS: dict[str, RunConfig] = {
    # d2l's train_ch5: ResNet-18, 7x7 stem, resize 96, Adam 1e-3, batch 256, 5 epochs, fp32.
    "seed": RunConfig(ModelConfig(), DataConfig(dataset="fashion-mnist", resize=96), TrainConfig(precision="fp32")),
    "fast-cpu": FAST_CPU,
    # fast-cpu 1.5x wider (48 channels), with random erasing, scored with ten views at the end (docs/benchmarks.md,
    # eighth round: erasing alone 0.9492/0.9480, the width alone 0.9487/0.9493), trained on growing images
    # (progressive resizing, thirteenth round) without weight decay on the batch norms and biases (fourteenth).
    # With SGD, 25 epochs cleared 0.95 with every seed, in 748-818 s on a 2-core AMD EPYC. Muon for the filters
    # (sixteenth to eighteenth rounds) does it in 16 epochs, 28 px from epoch 9: 0.9505, 0.9508, 0.9516 with seeds
    # 0-2, each alone in 592, 589 and 548 s on that CPU. Tested after epoch 8 and at the end: scoring trains nothing
    # (tenth round), and each scoring costs time the ten minutes do not have.
    "accurate-cpu": replace(
        FAST_CPU,
        model=replace(FAST_CPU.model, channels=48),
        train=replace(
            FAST_CPU.train,
            epochs=16,
            optimizer="muon",
            augment="flip+erase",
            test_shifts=True,
            test_every=8,
            start_size=16,
            full_size_epoch=9,
            decay_norms=False,
        ),
    ),
    # ResNet-18 at 28 px with a 3x3 stem and no pool, SGD one-cycle. 12 epochs: on an H200 the sweep
    # benchmarks/sweeps/fast_gpu_epochs.toml reached 0.94 at epoch 11 with each of three seeds (13.5-14.2 s of
    # epochs, best 0.949-0.950); 20 epochs took 22-28 s to 0.94, 10 reached it in their last epoch for one seed.
    "fast-gpu": RunConfig(
        ModelConfig(blocks=(2, 2, 2, 2), channels=64, stem="small", stem_pool=False),
        DataConfig(dataset="fashion-mnist", resize=0),
        TrainConfig(
            lr=0.2,
            batch_size=512,
            epochs=12,
            optimizer="sgd",
            momentum=0.9,
            weight_decay=5e-4,
            schedule="onecycle",
            label_smoothing=0.1,
            augment="crop+flip",
        ),
    ),
}

PRESET_DESCRIPTIONS = {
    "seed": "The d2l chapter's recipe exactly: ResNet-18 at 96 px, Adam 1e-3, batch 256, 5 epochs, float32",
    "fast-cpu": (
        "28 px, 3x3 stem + pool, three 32-channel stages, SGD one-cycle, flips, 10 epochs: >= 0.94 in minutes on a CPU"
    ),
    "accurate-cpu": (
        "fast-cpu 48 channels wide, Muon for the filters, random erasing, norms and biases not decayed, 16 epochs "
        "growing from 16 to 28 px, ten test views: 0.95 with each seed tried in under 10 min on 2 AMD EPYC cores"
    ),
    "fast-gpu": (
        "28 px ResNet-18, 3x3 stem, SGD one-cycle, crops and flips, 12 epochs: >= 0.94 in ~15 s of training on an H200"
    ),
}

MODEL_PRESETS: dict[str, tuple[Block, tuple[int, ...]]] = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
    "resnet152": ("bottleneck", (3, 8, 36, 3)),
}


# What a recipe leaves alone when chosen in the form, and what does not count when the form is
# compared with it: which data and where it lives, and how the run executes (not what it learns).
NOT_RECIPE = frozenset(
    {
        "data.dataset",
        "data.root",
        "data.folder",
        "data.image_size",
        "data.channels",
        "data.test_fraction",
        "train.device",
        "train.precision",
        "train.compile",
        "train.sync_bn",
    }
)
RECIPE_KEYS = tuple(k for k in SPECS if k not in NOT_RECIPE and k not in ("model.in_channels", "model.num_classes"))
# A standard depth sets the network's shape as He et al. 2015 define it.
DEPTH_KEYS = ("model.block", "model.blocks", "model.channels", "model.stem", "model.stem_pool")


def apply_recipe(cfg: RunConfig, name: str) -> RunConfig:
    """``cfg`` with recipe ``name``'s network and training, keeping its data set and where it lives.

    The recipe's precision comes too (the seed recipe's float32 reproduces the chapter).
    """
    recipe = get_preset(name)
    keys = (*RECIPE_KEYS, "train.precision")
    return with_values(cfg, {k: get_field(recipe, k) for k in keys})


def apply_depth(cfg: RunConfig, name: str) -> RunConfig:
    """``cfg`` with the standard network ``name`` (ResNet-18 ... 152): blocks, block type, 64 channels, d2l stem."""
    depth = model_preset(name)
    return with_values(cfg, {k: get_field(RunConfig(model=depth), k) for k in DEPTH_KEYS})


def matching_recipe(cfg: RunConfig) -> str | None:
    """The recipe ``cfg`` follows (its data set, how it runs and settings both ignore aside), else None."""
    for name, recipe in PRESETS.items():
        if all(get_field(cfg, k) == get_field(recipe, k) or _ignored_by_both(k, cfg, recipe) for k in RECIPE_KEYS):
            return name
    return None


def _ignored_by_both(key: str, a: RunConfig, b: RunConfig) -> bool:
    """Whether ``key`` is unused in ``a`` and in ``b`` (momentum with Adam, a full-size epoch without a start size)."""
    spec = SPECS[key]
    if spec.only_when is None:
        return False
    return not spec.used_with(get_field(a, spec.only_when[0])) and not spec.used_with(get_field(b, spec.only_when[0]))


def changes(before: RunConfig, after: RunConfig) -> list[tuple[str, Any, Any]]:
    """(label, old, new) of every setting that differs, in the form's words."""
    return [
        (SPECS[k].label, format_value(get_field(before, k)), format_value(get_field(after, k)))
        for k in SPECS
        if get_field(before, k) != get_field(after, k)
    ]


def get_preset(name: str) -> RunConfig:
    """The preset called ``name``; ValueError listing the choices otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}") from None


def model_preset(name: str, base: ModelConfig | None = None) -> ModelConfig:
    """``base`` (the default model if None) with the block type and counts of ResNet-18 ... 152."""
    if name not in MODEL_PRESETS:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODEL_PRESETS)}")
    block, blocks = MODEL_PRESETS[name]
    return replace(
        base or ModelConfig(),
        block=block,
        blocks=blocks,
        channels=64,
        stem="d2l",
        stem_pool=True,
    )


def model_preset_description(name: str) -> str:
    """What a model preset sets, e.g. "ResNet-50: bottleneck blocks 3,4,6,3, 64 channels (...)"."""
    block, blocks = MODEL_PRESETS[name]
    return (
        f"ResNet-{name.removeprefix('resnet')}: {block} blocks {','.join(map(str, blocks))}, 64 channels, the "
        "7×7 stem (sets only the network)"
    )
