"""Named recipes (the seed's exactly, and the fastest found to high accuracy) and the standard depths."""

from __future__ import annotations

from dataclasses import replace

from .config import DataConfig, ModelConfig, RunConfig, TrainConfig

PRESETS: dict[str, RunConfig] = {
    # d2l's train_ch5: ResNet-18, 7x7 stem, resize 96, Adam 1e-3, batch 256, 5 epochs, fp32.
    "seed": RunConfig(ModelConfig(), DataConfig(dataset="fashion-mnist", resize=96), TrainConfig(precision="fp32")),
    # 28 px with a 3x3 stem: a quarter of the seed's pixels per image, and the accuracy improves.
    # Tuned on the 2-core development CPU (docs/benchmarks.md): 28 px, 3x3 stem with a 2x2 pool,
    # three 32-channel stages, SGD one-cycle; label smoothing and weight decay beat augmentation
    # in a 10-epoch budget.
    "fast-cpu": RunConfig(
        ModelConfig(blocks=(1, 1, 1), channels=32, stem="small", stem_pool=True),
        DataConfig(dataset="fashion-mnist", resize=0),
        TrainConfig(
            lr=0.2,
            batch_size=256,
            epochs=10,
            optimizer="sgd",
            momentum=0.9,
            weight_decay=1e-3,
            schedule="onecycle",
            label_smoothing=0.2,
            augment="none",
        ),
    ),
    "fast-gpu": RunConfig(
        ModelConfig(blocks=(2, 2, 2, 2), channels=64, stem="small", stem_pool=False),
        DataConfig(dataset="fashion-mnist", resize=0),
        TrainConfig(
            lr=0.2,
            batch_size=512,
            epochs=20,
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
        "28 px, 3x3 stem + pool, three 32-channel stages, SGD one-cycle, 10 epochs: >= 0.94 in minutes on a CPU"
    ),
    "fast-gpu": "28 px ResNet-18 with a 3x3 stem, SGD one-cycle, augmentation: for one datacenter GPU",
}

MODEL_PRESETS: dict[str, tuple[str, tuple[int, ...]]] = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
    "resnet152": ("bottleneck", (3, 8, 36, 3)),
}


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
    return replace(base or ModelConfig(), block=block, blocks=blocks, channels=64)  # type: ignore[arg-type]


def model_preset_description(name: str) -> str:
    """What a model preset sets, e.g. "ResNet-50: bottleneck blocks 3,4,6,3, 64 channels (...)"."""
    block, blocks = MODEL_PRESETS[name]
    return (
        f"ResNet-{name.removeprefix('resnet')}: {block} blocks {','.join(map(str, blocks))}, 64 channels "
        "(sets only the network's block type, blocks and channels)"
    )
