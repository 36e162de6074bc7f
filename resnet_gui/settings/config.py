"""Typed run settings: the model, the data and the training recipe, each field described once.

Plain frozen dataclasses with no torch or Qt import, so the form can validate on every keystroke
and the window can paint before torch loads. Each field's label, help, range and choices live in
its ``setting(...)`` (see ``fields``); ``SPECS`` collects them by dotted name (``train.lr``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from .fields import (
    Augmentation,
    Block,
    BlockStyle,
    ColourChannels,
    Dataset,
    Device,
    Optimizer,
    Precision,
    Schedule,
    Spec,
    Stem,
    describe,
    setting,
)
from .parsing import as_fields

MAX_STAGES = 6
MAX_BLOCKS_PER_STAGE = 64
MAX_CHANNELS = 1024
MAX_WIDEST_CHANNELS = 8192
MAX_RESIZE = 512
MAX_BATCH_SIZE = 65536
MAX_EPOCHS = 10000
FOLDER_ONLY = ("data.dataset", "folder")
# The data sets read from (and downloaded to) the data location.
STANDARD_SETS = ("fashion-mnist", "mnist", "kmnist", "cifar10")
# Training images of the data sets whose size is known before they are loaded (for warnings in the form).
TRAIN_SIZES = {"sample": 6000, "fashion-mnist": 60000, "mnist": 60000, "kmnist": 60000, "cifar10": 50000}


@dataclass(frozen=True)
class ModelConfig:
    """The network's shape: the seed's ResNet-18 for 1-channel, 10-class input by default."""

    blocks: tuple[int, ...] = setting(
        (2, 2, 2, 2),
        "Blocks per stage",
        "Residual blocks in each stage, e.g. 2,2,2,2 (ResNet-18) or 3,4,6,3 (ResNet-34)",
        low=1,
        high=MAX_BLOCKS_PER_STAGE,
    )
    channels: int = setting(
        64,
        "First-stage channels",
        "Channels of the stem and first stage; each later stage doubles them",
        low=1,
        high=MAX_CHANNELS,
    )
    in_channels: int = setting(
        1, "Input channels", "Channels of the input images (the data set's when training)", low=1, high=64
    )
    num_classes: int = setting(10, "Classes", "Number of classes (the data set's when training)", low=2, high=100000)
    stem: Stem = setting(
        "d2l",
        "Stem",
        "The layers before the first stage: the seed's 7×7/2 conv and 3×3/2 max-pool, or a 3×3/1 "
        "conv that keeps small images' detail",
        choice_labels={"d2l": "d2l: 7×7 conv, stride 2", "small": "small: 3×3 conv, stride 1"},
    )
    stem_pool: bool = setting(
        True,
        "Stem max-pool",
        "Halve height and width after the small stem (the d2l stem always pools)",
        only_when=("model.stem", "small"),
        hint="2×2, after the small stem",
    )
    pool_first: bool = setting(
        False,
        "Pool before BN",
        "With the small stem's max-pool on: pool the convolution's output before the batch norm and ReLU, "
        "which then work on a quarter of the pixels; the same accuracy, faster steps (fast-cpu's about 1.2×)",
        only_when=("model.stem", "small"),
        hint="conv, pool, BN, ReLU",
    )
    block: Block = setting(
        "basic",
        "Block type",
        "basic: the seed's Residual; bottleneck: 1×1 reduce, 3×3, 1×1 expand ×4 (ResNet-50+)",
        choice_labels={"basic": "basic: two 3×3 convs", "bottleneck": "bottleneck: 1×1, 3×3, 1×1"},
    )
    block_style: BlockStyle = setting(
        "d2l",
        "Block style",
        "d2l: biases in every conv, plain 1×1 shortcut; torchvision: no conv biases, BN after the 1×1 shortcut",
        choice_labels={"d2l": "d2l: conv biases", "torchvision": "torchvision: BN on shortcut"},
    )


@dataclass(frozen=True)
class DataConfig:
    """Which images to train on and how they are prepared."""

    dataset: Dataset = setting(
        "fashion-mnist",
        "Data set",
        "The bundled sample trains offline; the others are downloaded once",
        option="--data",
        choice_labels={
            "sample": "sample (bundled, offline)",
            "fashion-mnist": "Fashion-MNIST (full)",
            "mnist": "MNIST digits",
            "kmnist": "Kuzushiji-MNIST",
            "cifar10": "CIFAR-10 (colour)",
            "folder": "image folder (a subfolder per class)",
        },
    )
    root: str | None = setting(
        None,
        "Data location",
        "Where the standard data sets are stored (downloaded there if missing); empty: env RESNET_GUI_DATA, "
        "else the user cache",
        option="--data-root",
        only_when=("data.dataset", STANDARD_SETS),
    )
    folder: str | None = setting(
        None,
        "Image folder",
        "The folder of your images, one subfolder per class (test/ or val/ beside them, else a share is held out)",
        only_when=FOLDER_ONLY,
    )
    resize: int = setting(
        96,
        "Resize (px)",
        "Resize images to this many pixels square for the network; 0 keeps the stored size (28 for the MNISTs, "
        "32 for CIFAR-10, the decode size for an image folder)",
        low=8,
        high=MAX_RESIZE,
        zero_ok=True,
    )
    image_size: int = setting(
        28,
        "Decode size (px)",
        "Folder images are decoded once to this many pixels square and cached; Resize, when not 0, then scales "
        "them for the network",
        low=8,
        high=MAX_RESIZE,
        only_when=FOLDER_ONLY,
    )
    channels: ColourChannels = setting(
        1,
        "Colour channels",
        "Read folder images as grayscale or colour",
        option="--channels-in",
        only_when=FOLDER_ONLY,
        choice_labels={1: "1 (grayscale)", 3: "3 (colour)"},
    )
    test_fraction: float = setting(
        0.2,
        "Test share",
        "Share of the images held out for testing when the folder has no test/ or val/ subfolder, 0.01 to 0.9",
        low=0.01,
        high=0.9,
        only_when=FOLDER_ONLY,
    )


@dataclass(frozen=True)
class TrainConfig:
    """The optimisation recipe: the seed's train_ch5 (Adam 1e-3, batch 256, 5 epochs) by default."""

    lr: float = setting(1e-3, "Learning rate", "Step size, e.g. 0.001", low=0.0, high=10.0, low_open=True)
    batch_size: int = setting(256, "Batch size", "Images per step", low=1, high=MAX_BATCH_SIZE)
    epochs: int = setting(5, "Epochs", "Passes over the training set", low=1, high=MAX_EPOCHS)
    early_stop_patience: int = setting(
        0,
        "Early-stop patience",
        "Stop when the test accuracy has not beaten its best (by more than the minimum gain) for this many "
        "scored epochs (see Epochs per test); the best epoch's checkpoint is the result. 0: train every epoch",
        low=1,
        high=MAX_EPOCHS,
        zero_ok=True,
    )
    early_stop_min_delta: float = setting(
        0.0,
        "Early-stop min. gain",
        "Early stopping: how much the test accuracy must rise to count as better, 0 to 1, e.g. 0.002",
        low=0.0,
        high=1.0,
    )
    optimizer: Optimizer = setting(
        "adam", "Optimizer", "adam: the seed's; sgd: Nesterov momentum; muon: the conv filters by Muon, the rest by sgd"
    )
    momentum: float = setting(
        0.9,
        "Momentum",
        "SGD momentum, 0 to 0.999 (Adam keeps its own averages; with muon, for the parameters besides the filters)",
        low=0.0,
        high=0.999,
        only_when=("train.optimizer", lambda name: name in ("sgd", "muon")),
    )
    muon_lr: float = setting(
        0.04,
        "Muon learning rate",
        "With muon: how far each step turns the convolutions' filters (kept at a fixed norm, so the step is a "
        "rotation), 0 to 1, following the schedule as the learning rate does; e.g. 0.04",
        low=0.0,
        high=1.0,
        low_open=True,
        only_when=("train.optimizer", "muon"),
    )
    weight_decay: float = setting(
        0.0, "Weight decay", "L2 penalty on the weights, 0 to 1, e.g. 5e-4", low=0.0, high=1.0
    )
    decay_norms: bool = setting(
        True,
        "Norm and bias decay",
        "Apply the weight decay to the batch norms' scales and shifts and to the biases too. Off: only the "
        "convolutions' and the classifier's weights decay, as timm's optimisers do by default",
        hint="same as the weights",
        only_when=("train.weight_decay", lambda decay: isinstance(decay, float) and decay > 0),
    )
    schedule: Schedule = setting(
        "constant",
        "Schedule",
        "How the learning rate changes over the run",
        choice_labels={"constant": "constant", "cosine": "cosine decay", "onecycle": "one-cycle"},
    )
    warmup_epochs: float = setting(
        0.0,
        "Warm-up epochs",
        "Epochs of linear learning-rate warm-up (fractions allowed); at most the epochs",
        low=0.0,
        high=float(MAX_EPOCHS),
    )
    label_smoothing: float = setting(
        0.0,
        "Label smoothing",
        "Share of the target spread over the other classes, 0 to 0.99, e.g. 0.1",
        low=0.0,
        high=0.99,
    )
    augment: Augmentation = setting(
        "none",
        "Augmentation",
        "Done on the training batches: flip half the images left-right; also pad them "
        "by a seventh of their side (4 px at 28 px) and crop back at a random offset; or also "
        "black out a random rectangle (2-33 % of the image) in half of them (random erasing)",
        choice_labels={
            "none": "none",
            "flip": "horizontal flip",
            "crop+flip": "random crop + flip",
            "flip+erase": "flip + random erasing",
        },
    )
    start_size: int = setting(
        0,
        "Start size (px)",
        "Progressive resizing: the first epochs train (and are scored) on images scaled to this many px, growing in "
        "4-px steps to the full size at the full-size epoch; small images train faster (accurate-cpu's network: "
        "2.5x the images/s at 16 px as at 28). 0: the full size throughout",
        low=8,
        high=MAX_RESIZE,
        zero_ok=True,
    )
    full_size_epoch: int = setting(
        1,
        "Full size from epoch",
        "Progressive resizing: the first epoch at the full size (the size grows evenly from the start size)",
        low=1,
        high=MAX_EPOCHS,
        only_when=("train.start_size", range(8, MAX_RESIZE + 1)),
    )
    test_flips: bool = setting(
        False,
        "Test-time flips",
        "Score each test image and its left-right mirror image and average the two, at twice the scoring time. Helps "
        "networks trained with flips (fast-cpu's network, 25 epochs with flips: 0.945 to 0.949); without flip "
        "training it can cost accuracy (the same network without flips: 0.943 to 0.938)",
        hint="score mirror images too",
    )
    test_shifts: bool = setting(
        False,
        "Test-time shifts",
        "At the last epoch, also score each test image moved by one pixel up, down, left and right and average them "
        "all (5 views, 10 with test-time flips): that one scoring takes 5 times as long, earlier epochs are scored "
        "as before. fast-cpu 30 epochs, two seeds: 0.9454 to 0.9482, 0.9486 to 0.9506",
        hint="last epoch: 1-px moves",
    )
    test_every: int = setting(
        1,
        "Epochs per test",
        "Score the test set after every this many epochs, and always after the last one; the epochs between have no "
        "test accuracy. Scoring with test-time flips takes about a tenth of an epoch's time on a 2-core CPU. "
        "Early stopping counts scored epochs",
        low=1,
        high=MAX_EPOCHS,
    )
    device: Device = setting("auto", "Device", "Where to train; auto picks CUDA, then Apple MPS, then the CPU")
    precision: Precision = setting(
        "auto",
        "Precision",
        "Number format of the forward pass; auto takes bf16 where the hardware gains (CUDA GPUs with bf16, "
        "Intel CPUs with AMX, AMD CPUs with AVX512-BF16), float32 elsewhere",
    )
    compile: bool = setting(
        False,
        "torch.compile",
        "Compile the network before training: slower start, faster steps on a GPU",
        hint="compile the model",
    )
    sync_bn: bool = setting(
        False, "Synchronised batch norm", "Data-parallel runs: batch-norm statistics over the global batch"
    )
    seed: int | None = setting(
        0,
        "Seed",
        'Random seed for weights and shuffling; empty (or "random" in TOML) for a new one each run',
        low=0,
        high=2**32 - 1,
    )


SECTIONS: dict[str, type] = {"model": ModelConfig, "data": DataConfig, "train": TrainConfig}


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs: model, data and training settings."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready nested dict of the settings."""
        d = asdict(self)
        d["model"]["blocks"] = list(self.model.blocks)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], strict: bool = True) -> RunConfig:
        """Rebuild a config from ``to_dict`` output (sections and keys left out keep their defaults).

        Unknown sections or keys, and a section that is not a table, raise ValueError naming them; with
        ``strict=False`` they are left out instead (settings a newer version wrote). ``validate`` names wrong types.
        """
        if not isinstance(d, dict):
            raise ValueError(f"the settings must be a table of sections, got {type(d).__name__}")
        unknown = sorted(set(d) - set(SECTIONS))
        if unknown and strict:
            raise ValueError(f"unknown section(s) {', '.join(unknown)}; use {', '.join(SECTIONS)}")
        parts: dict[str, Any] = {}
        for name, klass in SECTIONS.items():
            sub = d.get(name, {})
            if not isinstance(sub, dict):
                if strict:
                    raise ValueError(f"the {name} section must be a table of settings, got {sub!r}")
                sub = {}
            known = {f.name for f in fields(klass)}
            unknown = sorted(set(sub) - known)
            if unknown and strict:
                raise ValueError(f"unknown {name} setting(s): {', '.join(unknown)}")
            sub = {k: v for k, v in sub.items() if k in known}
            parts[name] = klass(**as_fields(name, sub, SPECS))
        return cls(**parts)


def _all_specs() -> dict[str, Spec]:
    specs: dict[str, Spec] = {}
    for name, klass in SECTIONS.items():
        specs.update(describe(name, klass))
    return specs


SPECS: dict[str, Spec] = _all_specs()


def get_field(cfg: RunConfig, key: str) -> Any:
    """The value of a dotted field name such as ``train.lr``."""
    section, name = key.split(".")
    return getattr(getattr(cfg, section), name)


def with_changes(cfg: RunConfig, **sections: dict[str, Any]) -> RunConfig:
    """Return ``cfg`` with fields replaced per section, e.g. ``with_changes(c, train={"lr": 0.1})``."""
    parts = {name: replace(getattr(cfg, name), **changes) for name, changes in sections.items()}
    return replace(cfg, **parts)


def with_values(cfg: RunConfig, values: dict[str, Any]) -> RunConfig:
    """Return ``cfg`` with dotted fields replaced, e.g. ``with_values(c, {"train.lr": 0.1})``."""
    sections: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        section, name = key.split(".")
        sections.setdefault(section, {})[name] = value
    return with_changes(cfg, **sections)
