"""Run settings as TOML files, which the window and ``resnet-gui train --config`` load and save."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

from ..errors import ConfigError
from ..files import atomic_write_text
from .config import RunConfig
from .validation import validate

RANDOM_SEED = "random"  # TOML has no null: a run without a fixed seed is written as seed = "random"
HEADER = "# resnet-gui run settings\n\n"


def to_toml(cfg: RunConfig) -> str:
    """The settings as TOML: one table per section; an unset data root is left out, no seed is "random"."""
    d = cfg.to_dict()
    if d["train"]["seed"] is None:
        d["train"]["seed"] = RANDOM_SEED
    doc = {section: {k: v for k, v in values.items() if v is not None} for section, values in d.items()}
    return HEADER + tomli_w.dumps(doc)


def save_toml(cfg: RunConfig, path: str | Path) -> None:
    """Write ``cfg`` to ``path`` as TOML (atomically: a crash leaves the old file or the new one)."""
    atomic_write_text(Path(path), to_toml(cfg))


def load_toml(path: str | Path) -> RunConfig:
    """Read settings from TOML; ConfigError naming the file and the problem when they are unusable.

    Sections and keys left out keep their defaults; every value's type is checked strictly.
    """
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"Cannot read {p}: {e.strerror or e}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p} is not valid TOML: {e}.") from None
    train = doc.get("train")
    if isinstance(train, dict) and train.get("seed") == RANDOM_SEED:
        train["seed"] = None
    try:
        cfg = RunConfig.from_dict(doc)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{p}: {e}.") from None
    problems = validate(cfg)
    if problems:
        raise ConfigError(f"{p}: " + "; ".join(str(x) for x in problems))
    return cfg
