"""A sweep's definition: the run it starts from, the settings it varies, how it searches and how long.

Read from TOML (``sweep.toml``) or from the copy a study keeps in Optuna's storage; both go through
``parse_sweep``, so a problem is reported the same way, naming the key and the file. Each varied
setting is named by its dotted name (``train.lr``) and typed by its description in
``settings.config.SPECS``: a range is drawn as whole numbers for an int setting, as reals for a float.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings.config import SPECS, RunConfig, with_values
from ..settings.parsing import parse_blocks
from ..settings.presets import PRESETS, get_preset
from ..settings.toml_io import RANDOM_SEED, load_toml, read_toml
from ..settings.validation import check_value, validate

STRATEGIES = ("grid", "random", "tpe")
PRUNERS = ("none", "median", "halving")
METRICS = ("best_test_acc",)  # the best test accuracy over the run's epochs, maximised
# Settings a run takes from its data set: a sweep cannot vary them.
NOT_VARIED = ("model.in_channels", "model.num_classes")
VARIABLE = tuple(k for k in SPECS if k not in NOT_VARIED)
TOP_KEYS = ("name", "base", "space", "strategy", "trials", "timeout_s", "metric", "pruner", "seed")
RANGE_KEYS = ("values", "low", "high", "log")


@dataclass(frozen=True)
class Param:
    """One varied setting: a list of ``values``, or a range ``low``..``high`` (``log``: on a log scale)."""

    key: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False

    @property
    def is_range(self) -> bool:
        """True for a range, False for a list of values."""
        return not self.values

    @property
    def kind(self) -> str:
        """The setting's kind in the settings' descriptions (int, float, choice, blocks, ...)."""
        return SPECS[self.key].kind

    def to_dict(self) -> dict[str, Any]:
        """The TOML/JSON form, e.g. ``{"low": 0.01, "high": 1.0, "log": True}``."""
        if self.is_range:
            return {"low": self.low, "high": self.high, "log": self.log}
        return {"values": [to_trial_value(self.key, v) for v in self.values]}


@dataclass(frozen=True)
class Sweep:
    """A whole sweep; ``trials`` None means every grid point (grid) and is otherwise set, or ``timeout_s``."""

    base: RunConfig
    params: tuple[Param, ...]
    strategy: str = "grid"
    trials: int | None = None
    timeout_s: float | None = None
    metric: str = "best_test_acc"
    pruner: str = "none"
    seed: int | None = None  # of the sampler (random, tpe): the same seed draws the same trials
    name: str = ""

    def grid(self) -> list[dict[str, Any]]:
        """Every combination of the values, as Optuna parameters (the first setting varies slowest)."""
        keys = [p.key for p in self.params]
        lists = [[to_trial_value(p.key, v) for v in p.values] for p in self.params]
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*lists)]

    @property
    def budget(self) -> int | None:
        """How many trials to run in all (None: until the time is up)."""
        if self.strategy == "grid":
            size = math.prod(len(p.values) for p in self.params)
            return min(size, self.trials) if self.trials else size
        return self.trials

    def config_for(self, params: dict[str, Any]) -> RunConfig:
        """The run of a trial: the base with the trial's Optuna parameters applied."""
        return with_values(self.base, {k: from_trial_value(k, v) for k, v in params.items()})

    def to_dict(self) -> dict[str, Any]:
        """The definition as JSON-ready data, which ``parse_sweep`` reads back (kept with the study)."""
        doc: dict[str, Any] = {
            "name": self.name,
            "base": self.base.to_dict(),
            "space": {p.key: p.to_dict() for p in self.params},
            "strategy": self.strategy,
            "metric": self.metric,
            "pruner": self.pruner,
        }
        extra = {"trials": self.trials, "timeout_s": self.timeout_s, "seed": self.seed}
        return doc | {k: v for k, v in extra.items() if v is not None}


def to_trial_value(key: str, value: Any) -> Any:
    """A setting's value as Optuna stores a parameter: blocks as the text "2,2", the rest as they are."""
    return ",".join(str(b) for b in value) if SPECS[key].kind == "blocks" else value


def from_trial_value(key: str, value: Any) -> Any:
    """The inverse of ``to_trial_value``."""
    kind = SPECS[key].kind
    if kind == "blocks" and isinstance(value, str):
        return parse_blocks(value)
    if kind == "float" and type(value) is int:
        return float(value)
    return value


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Optuna's parameters as JSON of the settings' values (blocks as a list of numbers)."""
    values = {k: from_trial_value(k, v) for k, v in params.items()}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def _setting_value(key: str, value: Any) -> Any:
    """A value given in the file, typed as the setting wants (blocks from a list or text, 1 as 1.0)."""
    kind = SPECS[key].kind
    if kind == "blocks" and isinstance(value, list):
        return tuple(value)
    if kind == "blocks" and isinstance(value, str):
        try:
            return parse_blocks(value)
        except ValueError:
            return value  # check_value says what is wrong with it
    return float(value) if kind == "float" and type(value) is int else value


def _flatten(space: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``[space.train.lr]`` and ``[space."train.lr"]`` both name ``train.lr``."""
    out: dict[str, Any] = {}
    for name, entry in space.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(entry, dict) and entry and not set(entry) & set(RANGE_KEYS) and key.count(".") < 1:
            out.update(_flatten(entry, key))
        else:
            out[key] = entry
    return out


def _param(key: str, entry: Any, problems: list[str]) -> Param | None:
    where = f"space.{key}"
    if key not in SPECS:
        problems.append(f"{where}: not a setting; use one of {', '.join(VARIABLE)}")
        return None
    if key in NOT_VARIED:
        problems.append(f"{where}: comes from the data set and cannot be varied")
        return None
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be a table with values = [...] or low, high (and log = true)")
        return None
    unknown = sorted(set(entry) - set(RANGE_KEYS))
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; use values, or low, high and log")
        return None
    spec = SPECS[key]
    if "values" in entry:
        if {"low", "high", "log"} & set(entry):
            problems.append(f"{where}: give either values or low/high, not both")
            return None
        values = entry["values"]
        if not isinstance(values, list) or not values:
            problems.append(f"{where}.values: must be a list of at least one value")
            return None
        typed = [_setting_value(key, v) for v in values]
        bad = [f"{where}.values: {m}" for v in typed if (m := check_value(spec, v))]
        if len({repr(v) for v in typed}) < len(typed):
            bad.append(f"{where}.values: a value is listed twice")
        problems.extend(bad)
        return None if bad else Param(key, tuple(typed))
    return _range(key, entry, problems)


def _range(key: str, entry: dict[str, Any], problems: list[str]) -> Param | None:
    where, spec = f"space.{key}", SPECS[key]
    if spec.kind not in ("int", "float"):
        problems.append(f"{where}: a {spec.kind} setting needs values = [...] (a range is for numbers)")
        return None
    if "low" not in entry or "high" not in entry:
        problems.append(f"{where}: give values = [...], or both low and high")
        return None
    lo, hi, log = _setting_value(key, entry["low"]), _setting_value(key, entry["high"]), entry.get("log", False)
    bad = [f"{where}.{name}: {m}" for name, v in (("low", lo), ("high", hi)) if (m := check_value(spec, v))]
    if not isinstance(log, bool):
        bad.append(f"{where}.log: must be true or false, got {log!r}")
    if not bad and lo >= hi:
        bad.append(f"{where}: low ({lo}) must be below high ({hi})")
    if not bad and log and lo <= 0:
        bad.append(f"{where}: a log range needs low above 0, got {lo}")
    problems.extend(bad)
    return None if bad else Param(key, (), lo, hi, bool(log))


def _base(value: Any, folder: Path | None, problems: list[str]) -> RunConfig:
    """``base = "fast-cpu"`` (a preset), ``base = "run.toml"`` (a settings file), or a ``[base]`` table."""
    if isinstance(value, str):
        value = {"preset": value} if value in PRESETS else {"file": value}
    if not isinstance(value, dict):
        problems.append("base: must be a preset name, a settings file, or a table such as [base.train]")
        return RunConfig()
    doc = dict(value)
    preset, file = doc.pop("preset", None), doc.pop("file", None)
    try:
        if file is not None:
            path = Path(str(file)).expanduser()
            start = load_toml(folder / path if folder and not path.is_absolute() else path)
        else:
            start = get_preset(str(preset)) if preset is not None else RunConfig()
        merged = start.to_dict()
        for section, values in doc.items():
            if isinstance(values, dict) and isinstance(merged.get(section), dict):
                merged[section] = merged[section] | values
            else:
                merged[section] = values
        if isinstance(merged.get("train"), dict) and merged["train"].get("seed") == RANDOM_SEED:
            merged["train"]["seed"] = None
        cfg = RunConfig.from_dict(merged)
    except (ConfigError, ValueError, TypeError) as e:
        problems.append(f"base: {e}")
        return RunConfig()
    problems.extend(f"base.{p}" for p in validate(cfg))
    return cfg


def _choice(doc: dict[str, Any], key: str, choices: tuple[str, ...], default: str, problems: list[str]) -> str:
    value = doc.get(key, default)
    if value not in choices:
        problems.append(f"{key}: must be one of {', '.join(choices)}, got {value!r}")
        return default
    return str(value)


def _positive(doc: dict[str, Any], key: str, kind: type, problems: list[str]) -> Any:
    value = doc.get(key)
    if value is None:
        return None
    ok = isinstance(value, kind) or (kind is float and isinstance(value, int))
    if isinstance(value, bool) or not ok or value <= 0:
        problems.append(f"{key}: must be a {'whole ' if kind is int else ''}number above 0, got {value!r}")
        return None
    return kind(value)


def parse_sweep(doc: dict[str, Any], source: str, folder: Path | None = None) -> Sweep:
    """A sweep from its TOML/JSON form; ConfigError naming ``source`` and every problem's key."""
    problems: list[str] = []
    unknown = sorted(set(doc) - set(TOP_KEYS))
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}; use {', '.join(TOP_KEYS)}")
    base = _base(doc.get("base", {}), folder, problems)
    space = doc.get("space")
    if not isinstance(space, dict) or not space:
        problems.append('space: name at least one setting to vary, e.g. [space."train.lr"] values = [0.01, 0.1]')
        space = {}
    params = [p for key, entry in _flatten(space).items() if (p := _param(key, entry, problems))]
    default = "grid" if params and not any(p.is_range for p in params) else "tpe"
    strategy = _choice(doc, "strategy", STRATEGIES, default, problems)
    ranges = [p.key for p in params if p.is_range]
    if strategy == "grid" and ranges:
        problems.append(f"space.{ranges[0]}: a grid needs values = [...] for every setting, not a range")
    trials, timeout_s = _positive(doc, "trials", int, problems), _positive(doc, "timeout_s", float, problems)
    if strategy != "grid" and trials is None and timeout_s is None:
        problems.append(f"trials: a {strategy} search needs a number of trials (or timeout_s)")
    seed = doc.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.append(f"seed: must be a whole number from 0, got {seed!r}")
    name = doc.get("name", "")
    if not isinstance(name, str):
        problems.append(f"name: must be text, got {name!r}")
    metric = _choice(doc, "metric", METRICS, METRICS[0], problems)
    pruner = _choice(doc, "pruner", PRUNERS, "none", problems)
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return Sweep(base, tuple(params), strategy, trials, timeout_s, metric, pruner, seed, str(name))


def load_sweep(path: str | Path) -> Sweep:
    """Read ``sweep.toml``; a settings file named as its base is found beside it."""
    p = Path(path)
    return parse_sweep(read_toml(p), str(p), p.parent)
