"""Typed run settings and their validation.

Plain dataclasses with no torch or Qt import, so the form can validate on every keystroke and
the window can paint before torch loads. ``validate`` returns every problem, each naming the
field it belongs to, instead of stopping at the first.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

DATASETS = ("sample", "fashion-mnist", "mnist", "kmnist", "cifar10", "folder")
OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16")
SCHEDULES = ("constant", "cosine", "onecycle")
AUGMENTATIONS = ("none", "flip", "crop+flip")  # per batch, on the device; the crop pads by size // 7
STEMS = ("d2l", "small")
BLOCKS = ("basic", "bottleneck")
BLOCK_STYLES = ("d2l", "torchvision")

MAX_STAGES = 6
MAX_BLOCKS_PER_STAGE = 64
MAX_CHANNELS = 1024
MAX_RESIZE = 512
MAX_BATCH_SIZE = 65536
MAX_EPOCHS = 10000


@dataclass(frozen=True)
class ModelConfig:
    """The network's shape: the seed's ResNet-18 for 1-channel, 10-class input by default."""

    blocks: tuple[int, ...] = (2, 2, 2, 2)
    channels: int = 64
    in_channels: int = 1
    num_classes: int = 10
    stem: str = "d2l"
    stem_pool: bool = True
    block: str = "basic"  # "bottleneck": 1x1 -> 3x3 -> 1x1 with 4x expansion, as in ResNet-50 and deeper
    block_style: str = "d2l"  # "torchvision": no conv biases, BN after the 1x1 projection


@dataclass(frozen=True)
class DataConfig:
    """Which images to train on and how they are prepared."""

    dataset: str = "fashion-mnist"
    root: str | None = None  # the data folder; for "folder", the folder of class subfolders
    resize: int = 96  # 0 keeps the stored size (28 for the MNISTs, 32 for CIFAR-10)
    image_size: int = 28  # "folder": images are decoded to this square size
    channels: int = 1  # "folder": 1 = grayscale, 3 = colour
    test_fraction: float = 0.2  # "folder" without a test/ or val/ subfolder: the held-out share


@dataclass(frozen=True)
class TrainConfig:
    """The optimisation recipe: the seed's train_ch5 (Adam 1e-3, batch 256, 5 epochs) by default."""

    lr: float = 1e-3
    batch_size: int = 256
    epochs: int = 5
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_epochs: float = 0.0
    label_smoothing: float = 0.0
    augment: str = "none"
    # Score each test image and its mirror image and average the two: for networks trained with flips.
    test_flips: bool = False
    device: str = "auto"
    precision: str = "auto"
    compile: bool = False
    sync_bn: bool = False  # data-parallel runs: batch-norm statistics over the global batch
    seed: int | None = 0


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
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """Rebuild a config from ``to_dict`` output; unknown keys raise ValueError naming them."""
        parts: dict[str, Any] = {}
        for name, klass in (("model", ModelConfig), ("data", DataConfig), ("train", TrainConfig)):
            sub = dict(d.get(name, {}))
            known = {f.name for f in fields(klass)}
            unknown = sorted(set(sub) - known)
            if unknown:
                raise ValueError(f"unknown {name} setting(s): {', '.join(unknown)}")
            if "blocks" in sub:
                sub["blocks"] = tuple(sub["blocks"])
            if isinstance(sub.get("augment"), bool):  # runs and files from before the flip-only choice
                sub["augment"] = "crop+flip" if sub["augment"] else "none"
            parts[name] = klass(**sub)
        return cls(**parts)


@dataclass(frozen=True)
class Problem:
    """One invalid setting: the dotted field name (``train.lr``) and why it is invalid."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def parse_blocks(text: str) -> tuple[int, ...]:
    """Parse "2,2,2,2" into (2, 2, 2, 2); raise ValueError with a reason a user can act on."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("enter the residual blocks per stage, e.g. 2,2,2,2")
    parts = [p.strip() for p in (stripped.split(",") if "," in stripped else stripped.split())]
    if stripped.endswith(","):
        parts = parts[:-1]
    values: list[int] = []
    for i, part in enumerate(parts, start=1):
        if not part:
            raise ValueError(f"stage {i} is empty: write a whole number, e.g. 2,2,2,2")
        try:
            values.append(int(part))
        except ValueError:
            raise ValueError(f"stage {i} is '{part}', not a whole number") from None
    return tuple(values)


def parse_shape(text: str) -> tuple[int, int, int]:
    """Parse an input shape "C,H,W" such as "1,96,96"; raise ValueError with the reason."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 3:
        raise ValueError(f"input shape must be C,H,W (three numbers), got '{text}'")
    try:
        c, h, w = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"input shape must be whole numbers C,H,W, got '{text}'") from None
    if min(c, h, w) < 1:
        raise ValueError(f"input shape must be positive, got '{text}'")
    return c, h, w


def _check_int(problems: list[Problem], name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem(name, f"must be a whole number, got {value!r}"))
    elif not lo <= value <= hi:
        problems.append(Problem(name, f"must be between {lo} and {hi}, got {value}"))


def _check_float(problems: list[Problem], name: str, value: Any, lo: float, hi: float,
                 lo_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(Problem(name, f"must be a finite number, got {value!r}"))
    elif value < lo or value > hi or (lo_open and value == lo):
        low = f"greater than {lo}" if lo_open else f"at least {lo}"
        problems.append(Problem(name, f"must be {low} and at most {hi}, got {value}"))


def _check_choice(problems: list[Problem], name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        problems.append(Problem(name, f"must be one of {', '.join(choices)}, got {value!r}"))


def validate(cfg: RunConfig) -> list[Problem]:
    """Every problem in ``cfg``; an empty list means it can be trained."""
    p: list[Problem] = []
    m, d, t = cfg.model, cfg.data, cfg.train

    if not isinstance(m.blocks, tuple) or not m.blocks:
        p.append(Problem("model.blocks", "give at least one stage, e.g. 2,2,2,2"))
    elif len(m.blocks) > MAX_STAGES:
        p.append(Problem("model.blocks", f"at most {MAX_STAGES} stages, got {len(m.blocks)}"))
    else:
        for i, b in enumerate(m.blocks, start=1):
            if isinstance(b, bool) or not isinstance(b, int) or not 1 <= b <= MAX_BLOCKS_PER_STAGE:
                p.append(Problem("model.blocks",
                                 f"stage {i} must have 1 to {MAX_BLOCKS_PER_STAGE} blocks, got {b}"))
                break
    _check_int(p, "model.channels", m.channels, 1, MAX_CHANNELS)
    if not p or p[-1].field != "model.channels":
        if isinstance(m.blocks, tuple) and 0 < len(m.blocks) <= MAX_STAGES and isinstance(m.channels, int):
            widest = m.channels * 2 ** (len(m.blocks) - 1) * (4 if m.block == "bottleneck" else 1)
            if widest > 8192:
                p.append(Problem("model.channels",
                                 f"the last stage would have {widest} channels (doubling per "
                                 "stage); use fewer channels or stages (at most 8192)"))
    _check_int(p, "model.in_channels", m.in_channels, 1, 64)
    _check_int(p, "model.num_classes", m.num_classes, 2, 100000)
    _check_choice(p, "model.stem", m.stem, STEMS)
    _check_choice(p, "model.block", m.block, BLOCKS)
    _check_choice(p, "model.block_style", m.block_style, BLOCK_STYLES)

    _check_choice(p, "data.dataset", d.dataset, DATASETS)
    if isinstance(d.resize, bool) or not isinstance(d.resize, int):
        p.append(Problem("data.resize", f"must be a whole number (0 for none), got {d.resize!r}"))
    elif d.resize != 0 and not 8 <= d.resize <= MAX_RESIZE:
        p.append(Problem("data.resize", f"must be 0 (none) or between 8 and {MAX_RESIZE}, got {d.resize}"))

    if d.dataset == "folder" and not d.root:
        p.append(Problem("data.root", "choose the folder holding one subfolder of images per class"))
    _check_int(p, "data.image_size", d.image_size, 8, MAX_RESIZE)
    if d.channels not in (1, 3):
        p.append(Problem("data.channels", f"must be 1 (grayscale) or 3 (colour), got {d.channels!r}"))
    _check_float(p, "data.test_fraction", d.test_fraction, 0.01, 0.9)

    _check_float(p, "train.lr", t.lr, 0.0, 10.0, lo_open=True)
    _check_int(p, "train.batch_size", t.batch_size, 1, MAX_BATCH_SIZE)
    _check_int(p, "train.epochs", t.epochs, 1, MAX_EPOCHS)
    _check_choice(p, "train.optimizer", t.optimizer, OPTIMIZERS)
    _check_float(p, "train.momentum", t.momentum, 0.0, 0.999)
    _check_float(p, "train.weight_decay", t.weight_decay, 0.0, 1.0)
    _check_choice(p, "train.schedule", t.schedule, SCHEDULES)
    _check_choice(p, "train.augment", t.augment, AUGMENTATIONS)
    _check_float(p, "train.warmup_epochs", t.warmup_epochs, 0.0, float(MAX_EPOCHS))
    if isinstance(t.warmup_epochs, (int, float)) and isinstance(t.epochs, int) and t.warmup_epochs > t.epochs:
        p.append(Problem("train.warmup_epochs",
                         f"must not exceed the number of epochs ({t.epochs}), got {t.warmup_epochs}"))
    _check_float(p, "train.label_smoothing", t.label_smoothing, 0.0, 0.99)
    if not isinstance(t.test_flips, bool):
        p.append(Problem("train.test_flips", f"must be true or false, got {t.test_flips!r}"))
    _check_choice(p, "train.device", t.device, DEVICES)
    _check_choice(p, "train.precision", t.precision, PRECISIONS)
    if t.seed is not None:
        _check_int(p, "train.seed", t.seed, 0, 2**32 - 1)
    return p


def with_changes(cfg: RunConfig, **sections: dict[str, Any]) -> RunConfig:
    """Return ``cfg`` with fields replaced per section, e.g. ``with_changes(c, train={"lr": 0.1})``."""
    parts = {name: replace(getattr(cfg, name), **changes) for name, changes in sections.items()}
    return replace(cfg, **parts)
