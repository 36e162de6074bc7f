"""``resnet-gui lr-find``: the learning-rate range test headless, its suggestion and curve as text or JSON."""

from __future__ import annotations

import argparse
import json
import math
import signal
import threading
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import UserError
from ..settings.config import RunConfig
from ..settings.validation import problems_text, validate
from .options import config_from_args
from .train import _stop_on_signals, resume_source

if TYPE_CHECKING:
    from ..training.lr_curve import LrFindResult, LrFindStep

CURVE_ROWS = 16
BAR_WIDTH = 30


def cmd_lr_find(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the range test the options describe; 0 with a suggestion, 1 when the curve was too short for one."""
    from ..runs.store import RunStore
    from ..training.lr_finder import find_lr

    resume: dict[str, Any] | None = None
    if args.resume:
        _run_id, resume = resume_source(args.resume, RunStore(args.runs_db))
        cfg = RunConfig.from_dict(resume["config"])
    else:
        cfg = config_from_args(args)
    problems = validate(cfg)
    if problems:
        raise UserError(problems_text(problems))
    stop = threading.Event()
    previous = _stop_on_signals(stop, lambda text: print(text, file=err, flush=True))
    try:
        result = find_lr(cfg, args.steps, args.start_lr, args.end_lr, _progress_line(err), stop, resume=resume)
    finally:
        if err.isatty():
            print(file=err)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2), file=out)
    else:
        print_result(result, out)
    if result.suggested_lr is None:
        print(
            f"resnet-gui: no suggestion: {len(result.lrs)} batches are too few to read; "
            "run more --steps, or start lower with --start-lr",
            file=err,
        )
        return 1
    return 0


def _progress_line(err: TextIO) -> Any:
    """A callback rewriting one status line on a terminal (silent when stderr is a file or a pipe)."""
    if not err.isatty():
        return None

    def show(step: LrFindStep) -> None:
        print(
            f"\rbatch {step.step}/{step.steps}  lr {step.lr:.2e}  loss {step.loss:.4f}  smoothed {step.smoothed:.4f} ",
            end="",
            file=err,
            flush=True,
        )

    return show


def print_result(result: LrFindResult, out: TextIO) -> None:
    """The suggestion with its rule, the other rule's value, and the curve as a small text plot."""
    from ..training.lr_rules import RULE_DESCRIPTIONS

    done = f"{len(result.lrs)}" if len(result.lrs) == result.steps else f"{len(result.lrs)} of {result.steps}"
    how = f"{done} batches of {result.batch_size} on {result.device} ({result.precision}), "
    how += f"{result.seconds:.1f} s"
    if result.diverged:
        how += "; ended early: the loss diverged"
    elif result.stopped:
        how += "; stopped early"
    print(f"lr-find: {how}", file=out)
    if result.suggested_lr is not None:
        print(f"suggested_lr: {result.suggested_lr:.3g}  ({RULE_DESCRIPTIONS[result.rule]})", file=out)
    for rule, lr in result.suggestions.items():
        if rule != result.rule:
            print(f"other rule:   {lr:.3g}  ({RULE_DESCRIPTIONS[rule]})", file=out)
    print(file=out)
    for line in curve_lines(result):
        print(line, file=out)


def curve_lines(result: LrFindResult, rows: int = CURVE_ROWS) -> list[str]:
    """The smoothed loss at up to ``rows`` rates spread over the curve, as bars, the rules' rows marked."""
    n = len(result.lrs)
    if n == 0:
        return []
    shown = min(rows, n)
    picks = sorted({round(i * (n - 1) / max(shown - 1, 1)) for i in range(shown)})
    # Each rule marks the row nearest its rate (in log lr), which joins the rows if it is not one.
    marks: dict[int, list[str]] = {}
    for rule, lr in result.suggestions.items():
        nearest = min(range(n), key=lambda i: abs(math.log(result.lrs[i]) - math.log(lr)))
        marks.setdefault(nearest, []).append(rule)
    picks = sorted(set(picks) | set(marks))
    # Bars end at half again the starting loss, as the window's axis does: the blow-up would flatten the rest.
    start = max(result.smoothed[: n // 10 + 1])
    low, high = min(result.smoothed), min(max(result.smoothed), 1.5 * start)
    lines = [f"{'lr':>9}  {'loss':>8}  {'smoothed':>8}"]
    for i in picks:
        share = (result.smoothed[i] - low) / (high - low) if high > low else 0.0
        bar = "█" * max(1, round(min(share, 1.0) * BAR_WIDTH)) + ("▶" if share > 1.0 else "")
        note = f"  ← {', '.join(marks[i])}" if i in marks else ""
        lines.append(f"{result.lrs[i]:9.2e}  {result.losses[i]:8.4f}  {result.smoothed[i]:8.4f}  {bar}{note}")
    return lines
