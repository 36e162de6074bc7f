"""A tiny sweep on the bundled sample (one 4-channel block, batches of 500) and the command run in-process."""

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from cli_helpers import run

from resnet_gui.cli.main import main

BASE = (
    'base = {data = {dataset = "sample", resize = 0}, model = {blocks = [1], channels = 4}, '
    'train = {epochs = 1, batch_size = 500, precision = "fp32"}}\n'
)
GRID_2X2 = BASE + '[space."train.lr"]\nvalues = [0.01, 0.05]\n[space."model.channels"]\nvalues = [4, 6]\n'
GRID_POINTS = [{"train.lr": lr, "model.channels": c} for lr in (0.01, 0.05) for c in (4, 6)]


def sweep_file(folder: Path, text: str = GRID_2X2) -> Path:
    path = folder / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def json_lines(out: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The trial lines and the last line's best trial."""
    docs = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert "best" in docs[-1], out
    return docs[:-1], docs[-1]["best"]


def assert_each_point_once(trials: list[dict[str, Any]]) -> None:
    assert sorted(t["trial"] for t in trials) == [0, 1, 2, 3]
    assert sorted(map(json.dumps, (t["params"] for t in trials))) == sorted(map(json.dumps, GRID_POINTS))
    assert all(t["state"] == "complete" and 0 < t["best_test_acc"] <= 1 for t in trials)
