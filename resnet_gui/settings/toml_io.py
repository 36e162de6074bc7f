"""Run settings as TOML files, which the window and ``resnet-gui train --config`` load and save.

A run's exported settings are those it was started with, followed by the changes asked of it
while it trained, as a ``[[changes]]`` array of tables (setting, value, epoch, batch). Loading such
a file accepts them as a record and does not replay them: a run trained from it starts with the
settings as first asked (``resnet-gui runs steer`` or the window asks for the changes again).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import ConfigError
from ..files import atomic_write_text
from .config import RunConfig
from .validation import validate

CHANGE_KEYS = ("setting", "value", "epoch", "batch")
RANDOM_SEED = "random"  # TOML has no null: a run without a fixed seed is written as seed = "random"
HEADER = "# resnet-gui run settings\n\n"


def to_toml(cfg: RunConfig, changes: Sequence[Mapping[str, Any]] = ()) -> str:
    """The settings as TOML: one table per section; an unset data root is left out, no seed is "random";
    then the ``changes`` applied while the run trained (setting, value, epoch, batch), if any."""
    d = cfg.to_dict()
    if d["train"]["seed"] is None:
        d["train"]["seed"] = RANDOM_SEED
    doc: dict[str, Any] = {section: {k: v for k, v in values.items() if v is not None} for section, values in d.items()}
    applied = [{k: c[k] for k in CHANGE_KEYS} for c in changes if c.get("epoch") is not None]
    if applied:
        doc["changes"] = applied
    return HEADER + tomli_w.dumps(doc)


def save_toml(cfg: RunConfig, path: str | Path) -> None:
    """Write ``cfg`` to ``path`` as TOML (atomically: a crash leaves the old file or the new one)."""
    atomic_write_text(Path(path), to_toml(cfg))


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at ``path``; ConfigError naming the file when it cannot be read or parsed."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"Cannot read {path}: {e.strerror or e}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not valid TOML: {e}.") from None


def load_toml(path: str | Path) -> RunConfig:
    """Read settings from TOML; ConfigError naming the file and the problem when they are unusable.

    Sections and keys left out keep their defaults; every value's type is checked strictly.
    """
    p = Path(path)
    doc = read_toml(p)
    _check_changes(p, doc.pop("changes", []))
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


def _check_changes(path: Path, changes: Any) -> None:
    """A ``[[changes]]`` record must be tables of setting, value, epoch and batch (ConfigError naming the entry)."""
    if not isinstance(changes, list):
        raise ConfigError(f"{path}: changes must be an array of tables ([[changes]]), got {changes!r}.")
    for i, change in enumerate(changes, start=1):
        ok = isinstance(change, dict) and set(change) == set(CHANGE_KEYS)
        ok = ok and isinstance(change["setting"], str) and isinstance(change["value"], int | float)
        if not ok or not all(isinstance(change[k], int) for k in ("epoch", "batch")):
            raise ConfigError(
                f"{path}: change {i} must have setting (text), value (a number), epoch and batch (whole numbers), "
                f"got {change!r}."
            )
