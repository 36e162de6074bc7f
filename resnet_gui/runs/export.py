"""A recorded run written to a file: its metrics as CSV or JSON, its settings as TOML.

The command line (``resnet-gui runs export``) and the window's Export menu both write through
``export_run``, so the two give the same files.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..files import atomic_write_text
from ..settings.toml_io import to_toml
from ..training.events import EpochEnd
from .changes import run_changes
from .store import RunStore

EPOCH_FIELDS = tuple(f.name for f in fields(EpochEnd))
FORMATS = ("csv", "json", "toml")


def metrics_csv(epochs: list[EpochEnd]) -> str:
    """One row per epoch: epoch, loss, train_acc, test_acc, seconds, images_per_s, lr."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EPOCH_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(asdict(e) for e in epochs)
    return buffer.getvalue()


def write_metrics_csv(epochs: list[EpochEnd], path: str | Path) -> None:
    """``metrics_csv`` written atomically to ``path``."""
    atomic_write_text(Path(path), metrics_csv(epochs))


def write_metrics_json(epochs: list[EpochEnd], path: str | Path, extra: dict[str, Any] | None = None) -> None:
    """A JSON document with ``epochs`` (a list of per-epoch dicts) plus any ``extra`` fields, atomically."""
    doc = {**(extra or {}), "epochs": [asdict(e) for e in epochs]}
    atomic_write_text(Path(path), json.dumps(doc, indent=2))


def export_format(path: str | Path) -> str:
    """The format a file name asks for (its suffix); UserError when it is none of csv, json, toml."""
    fmt = Path(path).suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise UserError(f"Export to .csv or .json (metrics) or .toml (settings), not {Path(path).name}.")
    return fmt


def export_run(store: RunStore, run_id: int, path: str | Path, fmt: str | None = None, overwrite: bool = False) -> Path:
    """Write run ``run_id``'s metrics (csv, json: with its summary, notes and settings) or settings (toml).

    ``fmt`` defaults to the file's suffix; an existing file is replaced only with ``overwrite``.
    """
    target = Path(path)
    fmt = fmt or export_format(target)
    if target.exists() and not overwrite:
        raise UserError(f"{target} already exists: choose another file, or add --force to overwrite it.")
    try:
        run = store.get(run_id)
    except KeyError:
        raise UserError(f"There is no run {run_id} in {store.path}.") from None
    if fmt == "toml":
        atomic_write_text(target, to_toml(run.config, [c.to_dict() for c in run_changes(store, run_id)]))
    elif fmt == "csv":
        write_metrics_csv(store.epochs(run_id), target)
    else:
        write_metrics_json(
            store.epochs(run_id), target, {"run": run.summary(), "notes": run.notes, "config": run.config.to_dict()}
        )
    return target
