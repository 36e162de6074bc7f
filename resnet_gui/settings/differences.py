"""Which settings differ between runs' configurations (for legends, tables and comparisons)."""

from __future__ import annotations

import json
from typing import Any

from .config import RunConfig


def config_differences(configs: list[RunConfig]) -> dict[str, list[Any]]:
    """The settings (dotted names, e.g. ``train.lr``) whose values are not the same in every config."""
    flat = [{f"{sec}.{k}": v for sec, vals in c.to_dict().items() for k, v in vals.items()} for c in configs]
    names = list(flat[0]) if flat else []
    return {n: [f.get(n) for f in flat] for n in names if len({json.dumps(f.get(n)) for f in flat}) > 1}
