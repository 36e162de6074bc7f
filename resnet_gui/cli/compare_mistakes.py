"""``resnet-gui runs compare-mistakes A B``: two runs' test-set mistakes, B minus A."""

from __future__ import annotations

import json
from typing import TextIO

from rich.console import Console
from rich.table import Table

from ..errors import UserError
from ..inference.compare_runs import ComparedRun, RunsMistakes, compare_runs
from ..runs.store import RunRecord


def run_document(run: ComparedRun, accuracy: float) -> dict[str, object]:
    """One scored run in a JSON document (``compare-mistakes``' a and b, ``score-together``'s runs)."""
    return {"id": run.id, "name": run.name, "checkpoint": run.checkpoint, "epoch": run.epoch, "test_acc": accuracy}


def mistakes_document(result: RunsMistakes) -> dict[str, object]:
    """The JSON document: both runs, the difference matrix (B minus A) and who alone gets what right."""
    c = result.comparison
    return {"a": run_document(result.a, c.accuracy_a()), "b": run_document(result.b, c.accuracy_b()), **c.to_dict()}


def print_mistakes(result: RunsMistakes, out: TextIO) -> None:
    """The two runs, the difference matrix and the per-class counts each run alone gets right."""
    c = result.comparison
    console = Console(file=out, highlight=False, width=None if out.isatty() else 10_000)
    for tag, run, acc in (("A", result.a, c.accuracy_a()), ("B", result.b, c.accuracy_b())):
        print(f"{tag}: {run.label}, epoch {run.epoch}: test accuracy {acc:.4f}", file=out)
    print(f"on the same {len(c.labels):,} test images", file=out)
    diff = c.difference()
    matrix = Table(box=None, pad_edge=False, header_style="bold", title_justify="left")
    matrix.title = "B minus A (rows: true class, columns: predicted class)"
    matrix.add_column("true \\ predicted")
    for name in c.class_names:
        matrix.add_column(name, justify="right")
    for name, row in zip(c.class_names, diff, strict=True):
        matrix.add_row(name, *(f"{int(v):+d}" if v else "0" for v in row))
    console.print(matrix)
    a_only, b_only = c.per_class_totals()
    totals = Table(box=None, pad_edge=False, header_style="bold")
    for title in ("class", "A right, B wrong", "B right, A wrong", "B minus A right"):
        totals.add_column(title, justify="left" if title == "class" else "right")
    for name, na, nb in zip(c.class_names, a_only, b_only, strict=True):
        totals.add_row(name, str(int(na)), str(int(nb)), f"{int(nb - na):+d}")
    totals.add_row("all", str(int(a_only.sum())), str(int(b_only.sum())), f"{int(b_only.sum() - a_only.sum()):+d}")
    console.print(totals)
    print(f"both wrong: {c.both_wrong():,}", file=out)


def cmd_compare_mistakes(runs: list[RunRecord], as_json: bool, out: TextIO) -> None:
    """Compare the mistakes of exactly two runs on their test set."""
    if len(runs) != 2:
        raise UserError("runs compare-mistakes: give exactly two run ids, A then B")
    result = compare_runs(runs[0], runs[1])
    if as_json:
        print(json.dumps(mistakes_document(result), indent=2), file=out)
    else:
        print_mistakes(result, out)
