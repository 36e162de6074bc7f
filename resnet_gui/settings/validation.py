"""Validation of run settings: every problem at once, each naming the field it belongs to."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .config import MAX_STAGES, MAX_WIDEST_CHANNELS, SPECS, TRAIN_SIZES, RunConfig, get_field
from .fields import Spec
from .image_sizes import describe_sides, input_shape


@dataclass(frozen=True)
class Problem:
    """One invalid setting: the dotted field name (``train.lr``) and why it is invalid."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(spec: Spec, value: Any) -> str:
    if not _is_int(value):
        return f"must be a whole number{' (0 for none)' if spec.zero_ok else ''}, got {value!r}"
    if spec.zero_ok and value == 0:
        return ""
    assert spec.low is not None and spec.high is not None
    if not spec.low <= value <= spec.high:
        zero = "0 (none) or " if spec.zero_ok else ""
        return f"must be {zero}between {int(spec.low)} and {int(spec.high)}, got {value}"
    return ""


def _check_float(spec: Spec, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    lo, hi = float(spec.low or 0.0), float(spec.high or 0.0)
    if value < lo or value > hi or (spec.low_open and value == lo):
        low = f"greater than {lo}" if spec.low_open else f"at least {lo}"
        return f"must be {low} and at most {hi}, got {value}"
    return ""


def _check_choice(spec: Spec, value: Any) -> str:
    # type() too: True == 1, yet "channels = true" is not a choice of 1 or 3.
    if any(value == c and type(value) is type(c) for c in spec.choices):
        return ""
    if spec.kind == "choice" and all(isinstance(c, int) for c in spec.choices):
        words = " or ".join(spec.choice_label(c) for c in spec.choices)
        return f"must be {words}, got {value!r}"
    return f"must be one of {', '.join(str(c) for c in spec.choices)}, got {value!r}"


def _check_blocks(spec: Spec, value: Any) -> str:
    if not isinstance(value, tuple):
        return f'must be the blocks of each stage, such as [2, 2, 2, 2] or "2,2,2,2", got {value!r}'
    if not value:
        return "give at least one stage, e.g. 2,2,2,2"
    if len(value) > MAX_STAGES:
        return f"at most {MAX_STAGES} stages, got {len(value)}"
    for i, b in enumerate(value, start=1):
        if not _is_int(b) or not (spec.low or 1) <= b <= (spec.high or 1):
            return f"stage {i} must have {int(spec.low or 1)} to {int(spec.high or 1)} blocks, got {b!r}"
    return ""


def check_value(spec: Spec, value: Any) -> str:
    """Why ``value`` does not fit ``spec`` on its own ("" when it does)."""
    if value is None and spec.optional:
        return ""
    if spec.kind == "int":
        return _check_int(spec, value)
    if spec.kind == "float":
        return _check_float(spec, value)
    if spec.kind == "bool":
        return "" if isinstance(value, bool) else f"must be true or false, got {value!r}"
    if spec.kind == "choice":
        return _check_choice(spec, value)
    if spec.kind == "blocks":
        return _check_blocks(spec, value)
    return "" if isinstance(value, str) else f"must be text, got {value!r}"


def _cross_checks(cfg: RunConfig, bad: set[str]) -> list[Problem]:
    """Problems of fields that are fine alone but not together."""
    p: list[Problem] = []
    m, d, t = cfg.model, cfg.data, cfg.train
    if not {"model.blocks", "model.channels", "model.block"} & bad:
        widest = m.channels * 2 ** (len(m.blocks) - 1) * (4 if m.block == "bottleneck" else 1)
        if widest > MAX_WIDEST_CHANNELS:
            p.append(
                Problem(
                    "model.channels",
                    f"the last stage would have {widest} channels (doubling per stage); "
                    f"use fewer channels or stages (at most {MAX_WIDEST_CHANNELS})",
                )
            )
    if d.dataset == "folder" and not d.folder and "data.folder" not in bad:
        p.append(Problem("data.folder", "choose the folder holding one subfolder of images per class"))
    if not {"train.warmup_epochs", "train.epochs"} & bad and t.warmup_epochs > t.epochs:
        p.append(
            Problem("train.warmup_epochs", f"must not exceed the number of epochs ({t.epochs}), got {t.warmup_epochs}")
        )
    p.extend(_progressive_checks(cfg, bad))
    return p


def _progressive_checks(cfg: RunConfig, bad: set[str]) -> list[Problem]:
    """Progressive resizing must start below the full size and reach it by the last epoch."""
    t, p = cfg.train, []
    sizing = {"data.dataset", "data.resize", "data.image_size", "train.start_size"}
    if t.start_size and not sizing & bad:
        side = input_shape(cfg.data)[1]
        if t.start_size >= side:
            p.append(Problem("train.start_size", f"must be smaller than the images' {side} px, or 0 for none"))
        elif not {"train.full_size_epoch", "train.epochs"} & bad and t.full_size_epoch > t.epochs:
            p.append(
                Problem(
                    "train.full_size_epoch",
                    f"must be at most the number of epochs ({t.epochs}), so that the last epochs train at the "
                    f"full size, got {t.full_size_epoch}",
                )
            )
        elif not {"train.full_size_epoch"} & bad and t.full_size_epoch == 1:
            p.append(
                Problem(
                    "train.full_size_epoch",
                    "set the first epoch at the full size (2 or more) for the start size to apply",
                )
            )
    return p


def validate(cfg: RunConfig) -> list[Problem]:
    """Every problem in ``cfg``; an empty list means it can be trained."""
    problems = [
        Problem(key, message) for key, spec in SPECS.items() if (message := check_value(spec, get_field(cfg, key)))
    ]
    return problems + _cross_checks(cfg, {p.field for p in problems})


def notes(cfg: RunConfig) -> list[Problem]:
    """What the form says under a valid field: settings probably not meant, and the progressive sizes' plan."""
    found = []
    images = TRAIN_SIZES.get(cfg.data.dataset)
    batch = cfg.train.batch_size
    if images and isinstance(batch, int) and batch > images:
        found.append(Problem("train.batch_size", f"more than the {images:,} training images: one step per epoch"))
    sides = "" if validate(cfg) else describe_sides(cfg)
    if sides:
        found.append(Problem("train.full_size_epoch", sides))
    return found


def problems_text(problems: list[Problem]) -> str:
    """The problems as one line, e.g. for an error message."""
    return "; ".join(str(p) for p in problems)
