"""A sweep written as ``sweep.toml``, the file ``resnet-gui sweep --config`` reads (``definition.load_sweep``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomli_w

from ..files import atomic_write_text
from ..settings.toml_io import RANDOM_SEED
from .definition import Sweep

HEADER = "# resnet-gui sweep: run it with  resnet-gui sweep --config THIS-FILE\n\n"


def _plain(value: Any) -> Any:
    """Tuples as lists (blocks), recursively: what TOML writes."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def sweep_to_toml(sweep: Sweep) -> str:
    """The sweep as TOML: its settings, then the base run as ``[base.*]`` tables and ``[space."key"]`` tables."""
    doc = sweep.to_dict()
    base = doc.pop("base")
    if base["train"].get("seed") is None:
        base["train"]["seed"] = RANDOM_SEED
    doc["base"] = {s: {k: _plain(v) for k, v in values.items() if v is not None} for s, values in base.items()}
    space = doc.pop("space")  # after the base: the base is the run, the space what varies
    doc["space"] = {key: {k: _plain(v) for k, v in entry.items()} for key, entry in space.items()}
    if not doc.get("name"):
        doc.pop("name", None)
    return HEADER + tomli_w.dumps(doc)


def save_sweep(sweep: Sweep, path: str | Path) -> None:
    """Write ``sweep`` to ``path`` (atomically)."""
    atomic_write_text(Path(path), sweep_to_toml(sweep))
