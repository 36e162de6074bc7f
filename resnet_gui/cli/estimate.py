"""``resnet-gui train --dry-run``: what a run would cost, without training it."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from ..errors import UserError
from ..settings.validation import problems_text, validate
from .options import config_from_args


def cmd_dry_run(args: argparse.Namespace, out: TextIO) -> int:
    """Print the parameters, the memory and the estimated duration of the run the options describe."""
    from ..training.estimate import cost_preview, data_sizes, estimate_run

    if args.resume:
        raise UserError("--dry-run estimates a new run: leave out --resume")
    cfg = config_from_args(args)
    problems = validate(cfg)
    if problems:
        raise UserError(problems_text(problems))
    sizes = data_sizes(cfg.data)
    preview = cost_preview(cfg, sizes)
    if preview.problem:
        raise UserError(preview.problem)
    estimate = estimate_run(cfg, sizes=sizes, fresh=args.fresh)
    if args.json:
        doc = {"params": preview.params, "peak_bytes": preview.peak_bytes, "estimate": estimate.to_dict()}
        print(json.dumps(doc, indent=2), file=out)
        return 0
    print(f"{preview.line()} · {estimate.line()}", file=out)
    print(f"  {estimate.details()}", file=out)
    return 0
