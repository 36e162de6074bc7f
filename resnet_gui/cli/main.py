"""The ``resnet-gui`` command: no arguments opens the window; the subcommands run headless."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

from ..errors import UserError
from ..training import host_memory
from .options import build_parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of ``resnet-gui`` and ``python -m resnet_gui``; returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    args = build_parser().parse_args(argv)
    host_memory.share_main_arena()
    if args.command in (None, "gui"):
        from ..gui.app import main as gui_main

        return gui_main()
    from .inspect import cmd_data, cmd_eval, cmd_export, cmd_summary
    from .runs import cmd_runs
    from .train import cmd_train

    try:
        if args.command == "summary":
            return cmd_summary(args, out)
        if args.command == "runs":
            return cmd_runs(args, out)
        if args.command == "export":
            return cmd_export(args, out)
        if args.command == "eval":
            return cmd_eval(args, out)
        if args.command == "data":
            return cmd_data(args, out, err)
        if args.command == "sweep":
            from .sweep import cmd_sweep

            return cmd_sweep(args, out, err)
        if args.command == "lr-find":
            from .lr_find import cmd_lr_find

            return cmd_lr_find(args, out, err)
        if args.command == "explain":
            from .explain import cmd_explain

            return cmd_explain(args, out)
        return cmd_train(args, out, err)
    except UserError as e:
        hint = " (--data sample)" if getattr(e, "offer_sample", False) else ""
        print(f"resnet-gui: error: {e}{hint}", file=err)
        return 1
    except KeyboardInterrupt:
        print("resnet-gui: interrupted", file=err)
        return 130
    except BrokenPipeError:
        # The reader went away (`resnet-gui runs | head -1`): not an error. Point stdout at nothing so
        # that Python's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
