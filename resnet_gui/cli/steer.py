"""``resnet-gui runs steer ID``: change a running run's learning rate or epochs, or stop it after the epoch.

The change goes into the run history; the process training the run (a background run, another
``resnet-gui train``, the window) applies it before its next batch. ``runs show ID`` lists the changes.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from ..errors import UserError
from ..runs.changes import AskedChange, ask_change, run_changes
from ..runs.store import RunRecord, RunStore
from ..training.early_stop import best_epoch, stopped_early
from ..training.events import EpochEnd
from ..training.steering import describe_change


def add_steer_options(p: argparse.ArgumentParser) -> None:
    """The options of ``runs steer``, one change each."""
    p.add_argument("--lr", type=float, metavar="X", help="steer: a new base learning rate (the schedule goes on)")
    p.add_argument(
        "--lr-scale", type=float, metavar="X", help="steer: multiply the learning rate (the rest of its schedule) by X"
    )
    p.add_argument("--epochs", type=int, metavar="N", help="steer: train N epochs in all (at least the one under way)")
    p.add_argument(
        "--stop-after-epoch", action="store_true", help="steer: finish and checkpoint the epoch under way, then stop"
    )


def cmd_steer(store: RunStore, run: RunRecord, args: argparse.Namespace, out: TextIO) -> None:
    """Ask run ``run`` for each change given; say what was asked."""
    asked: list[tuple[str, float]] = [
        (setting, float(value))
        for setting, value in (("lr", args.lr), ("lr_scale", args.lr_scale), ("epochs", args.epochs))
        if value is not None
    ]
    if args.stop_after_epoch:
        asked.append(("stop_after_epoch", 1.0))
    if not asked:
        raise UserError("runs steer: give --lr X, --lr-scale X, --epochs N or --stop-after-epoch")
    seqs = [ask_change(store, run.id, setting, value) for setting, value in asked]
    if args.json:
        changes = [c.to_dict() | {"seq": c.seq} for c in run_changes(store, run.id) if c.seq in seqs]
        print(json.dumps({"run": run.id, "asked": changes}, indent=2), file=out)
        return
    words = ", ".join(describe_change(setting, value) for setting, value in asked)
    print(f"asked run {run.id} ({run.name}): {words}; it applies them before its next batch", file=out)


def changes_lines(changes: list[AskedChange]) -> list[str]:
    """ "changes:" and one line per change, for ``runs show``."""
    return ["  changes:", *(f"    {c.describe()}" for c in changes)] if changes else []


def early_stop_line(run: RunRecord, epochs: list[EpochEnd]) -> str:
    """Why a run finished early and the epoch it kept ("" for other runs)."""
    if run.status != "finished early" or not epochs:
        return ""
    t = run.config.train
    return f"  finished early: {stopped_early(t.early_stop_patience, t.early_stop_min_delta, epochs)}"


def show_extras(store: RunStore, run: RunRecord, epochs: list[EpochEnd]) -> dict[str, Any]:
    """What ``runs show --json`` adds for steering and early stopping."""
    best = best_epoch([e.test_acc for e in epochs])
    return {"changes": [c.to_dict() for c in run_changes(store, run.id)], "best_epoch": best or None}
