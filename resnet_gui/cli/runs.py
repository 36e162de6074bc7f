"""``resnet-gui runs``: list, show, compare and export the run history."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from rich.console import Console
from rich.table import Table

from ..data.exclusions import Exclusion
from ..errors import UserError
from ..runs.changes import run_changes
from ..runs.describe import describe_data
from ..runs.export import export_run
from ..runs.store import RunRecord, RunStore, split_tags
from ..settings.differences import config_differences
from ..units import against_estimate, describe_load, say_duration
from .steer import changes_lines, cmd_steer, early_stop_line, show_extras


def print_runs_table(runs: list[RunRecord], out: TextIO) -> None:
    """One row per run: id, name, status, epochs, best accuracy, data, tags, checkpoint (full text when piped)."""
    console = Console(file=out, highlight=False, width=None if out.isatty() else 10_000)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for title, justify in (
        ("id", "right"),
        ("name", "left"),
        ("status", "left"),
        ("epochs", "right"),
        ("best acc", "right"),
        ("data", "left"),
        ("tags", "left"),
        ("checkpoint", "left"),
    ):
        table.add_column(title, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in runs:
        best = f"{r.best_test_acc:.4f}" if r.best_test_acc is not None else "-"
        table.add_row(
            str(r.id),
            r.name,
            str(r.status),
            f"{r.epochs_done}/{r.epochs_planned}",
            best,
            describe_data(r.config),
            ",".join(r.tags) or "-",
            r.last_checkpoint or "-",
        )
    console.print(table)


def cmd_runs(args: argparse.Namespace, out: TextIO) -> int:
    """The ``runs`` actions."""
    store = RunStore(args.runs_db)
    if args.action in ("color", "repeat"):
        from .seeds import cmd_color, cmd_repeat

        return (cmd_color if args.action == "color" else cmd_repeat)(store, args, out)
    if any(isinstance(i, str) for i in args.ids):
        raise UserError(f"runs {args.action}: run ids are numbers")
    needed = {"list": 0, "show": 1, "export": 1, "tag": 1, "steer": 1}.get(args.action, 2)
    if len(args.ids) < needed or (args.action in ("show", "export", "steer") and len(args.ids) != 1):
        what = {"tag": "one or more run ids", "compare": "two or more run ids"}.get(args.action, "one run id")
        what = {"compare-mistakes": "two run ids, A then B", "score-together": "two or more run ids"}.get(
            args.action, what
        )
        raise UserError(f"runs {args.action}: give {what}")
    try:
        runs = [store.get(i) for i in args.ids] if args.ids else store.list()
    except KeyError as e:
        raise UserError(f"runs {args.action}: {e.args[0]} in {store.path}") from None
    if args.action == "list":
        if args.json:
            print(json.dumps([r.summary() for r in runs], indent=2), file=out)
        elif not runs:
            print("no runs yet", file=out)
        else:
            print_runs_table(runs, out)
    elif args.action == "show":
        _show(store, runs[0], args.json, out)
    elif args.action == "tag":
        _tag(store, runs, args, out)
    elif args.action == "steer":
        cmd_steer(store, runs[0], args, out)
    elif args.action == "score-together":
        _score_together(runs, args.json, out)
    elif args.action == "compare-mistakes":
        from .compare_mistakes import cmd_compare_mistakes

        cmd_compare_mistakes(runs, args.json, out)
    elif args.action == "compare":
        diffs = config_differences([r.config for r in runs])
        if args.json:
            print(json.dumps({"runs": [r.summary() for r in runs], "differences": diffs}, indent=2), file=out)
        else:
            print_runs_table(runs, out)
            print("settings that differ:" if diffs else "no settings differ", file=out)
            for name, values in diffs.items():
                print(f"  {name}: " + " | ".join(str(v) for v in values), file=out)
    else:
        if not args.out:
            raise UserError("runs export: give --out FILE.csv, FILE.json or FILE.toml")
        print(f"wrote {export_run(store, runs[0].id, args.out, overwrite=args.force)}", file=out)
    return 0


def _score_together(runs: list[RunRecord], as_json: bool, out: TextIO) -> None:
    """The runs' networks scored as one ensemble on their test set, each one's own accuracy first."""
    from ..inference.ensemble import ensemble_of_runs
    from .compare_mistakes import run_document

    result = ensemble_of_runs(runs)
    members = [
        {**run_document(r, m.accuracy), "views": m.views} for r, m in zip(result.runs, result.members, strict=True)
    ]
    if as_json:
        doc = {"test_acc": result.accuracy, "images": result.images, "gain": result.gain(), "runs": members}
        print(json.dumps(doc, indent=2), file=out)
        return
    for run, m in zip(result.runs, result.members, strict=True):
        print(f"{run.label}, epoch {run.epoch}: test accuracy {m.accuracy:.4f} ({m.views} views an image)", file=out)
    best = result.best_alone()[0]
    print(
        f"together: test accuracy {result.accuracy:.4f} on {result.images:,} test images "
        f"({result.gain():+.4f} against run {best.id} alone)",
        file=out,
    )


def _tag(store: RunStore, runs: list[RunRecord], args: argparse.Namespace, out: TextIO) -> None:
    """Replace, add or remove the runs' tags (with no option, print them)."""
    removed = set(split_tags(args.remove or ""))
    for i, run in enumerate(runs):
        if args.tags is not None or args.add or args.remove:
            tags = split_tags(args.tags) if args.tags is not None else run.tags
            tags = split_tags(",".join((*tags, args.add or "")))
            store.set_tags(run.id, [t for t in tags if t not in removed])
            runs[i] = store.get(run.id)
    if args.json:
        print(json.dumps([r.summary() for r in runs], indent=2), file=out)
        return
    for run in runs:
        print(f"run {run.id} ({run.name}): {', '.join(run.tags) or 'no tags'}", file=out)


def _show(store: RunStore, run: RunRecord, as_json: bool, out: TextIO) -> None:
    epochs = store.epochs(run.id)
    if as_json:
        doc = {
            **run.summary(),
            "duration_s": run.duration_s,
            "notes": run.notes,
            "config": run.config.to_dict(),
            "versions": run.versions,
            "excluded_files": list(run.excluded),
            "epochs": [vars(e) for e in epochs],
            **show_extras(store, run, epochs),
        }
        print(json.dumps(doc, indent=2), file=out)
        return
    print_runs_table([run], out)
    if run.error:
        print(f"  error: {run.error}", file=out)
    for line in [early_stop_line(run, epochs), *changes_lines(run_changes(store, run.id))]:
        if line:
            print(line, file=out)
    if run.tags:
        print(f"  tags: {', '.join(run.tags)}", file=out)
    if run.notes:
        print(f"  notes: {run.notes}", file=out)
    if run.excluded:
        more = f" and {len(run.excluded) - 5} more" if len(run.excluded) > 5 else ""
        print(f"  {Exclusion(run.excluded).describe()}: {', '.join(run.excluded[:5])}{more}", file=out)
    if run.duration_s is not None:
        print(f"  took {against_estimate(run.duration_s, run.estimated_s)}", file=out)
    elif run.estimated_s:
        print(f"  estimated to take {say_duration(run.estimated_s)}", file=out)
    for e in epochs:
        load = describe_load(e.cpu_percent, e.ram_bytes, e.gpu_percent, e.gpu_bytes)
        print("  " + e.line() + (f" · {load}" if load else ""), file=out)
