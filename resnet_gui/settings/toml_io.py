"""Run settings as TOML files, which the GUI and ``resnet-gui train --config`` load."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .config import RunConfig, validate
from ..errors import ConfigError

RANDOM_SEED = "random"  # TOML has no null: a run without a fixed seed is written as seed = "random"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)


def to_toml(cfg: RunConfig) -> str:
    """The settings as TOML: one table per section; an unset data root is left out, no seed is "random"."""
    lines = ["# resnet-gui run settings", ""]
    d = cfg.to_dict()
    if d["train"]["seed"] is None:
        d["train"]["seed"] = RANDOM_SEED
    for section, values in d.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {_value(v)}" for k, v in values.items() if v is not None]
        lines.append("")
    return "\n".join(lines)


def save_toml(cfg: RunConfig, path: str | Path) -> None:
    """Write ``cfg`` to ``path`` as TOML."""
    Path(path).write_text(to_toml(cfg), encoding="utf-8")


def load_toml(path: str | Path) -> RunConfig:
    """Read settings from TOML; ConfigError naming the file and the problem when they are unusable.

    Sections and keys left out keep their defaults.
    """
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"Cannot read {p}: {e.strerror}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p} is not valid TOML: {e}.") from None
    unknown = sorted(set(doc) - {"model", "data", "train"})
    if unknown:
        raise ConfigError(f"{p}: unknown section(s) {', '.join(unknown)}; use [model], [data] and [train].")
    if doc.get("train", {}).get("seed") == RANDOM_SEED:
        doc["train"]["seed"] = None
    try:
        cfg = RunConfig.from_dict(doc)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{p}: {e}.") from None
    problems = validate(cfg)
    if problems:
        raise ConfigError(f"{p}: " + "; ".join(str(x) for x in problems))
    return cfg
