"""``resnet-gui train``: a run recorded in the run history, stopped cleanly by Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Any, TextIO

from ..errors import UserError
from ..runs.describe import run_name
from ..runs.status import RunStatus
from ..runs.store import RunStore, split_tags
from ..settings.config import RunConfig
from ..settings.image_sizes import describe_sides
from ..settings.validation import problems_text, validate
from ..training.events import Callback
from .options import config_from_args
from .progress import RunPrinter


def resume_source(arg: str, store: RunStore, check_running: bool = True) -> tuple[int | None, dict[str, Any]]:
    """(run id or None, checkpoint) for ``--resume RUN_ID_OR_CHECKPOINT``; ``check_running`` refuses a run
    that another process is still training (only torchrun's rank 0 checks: it marks the run running)."""
    from ..training.checkpoint import load_checkpoint, load_last_checkpoint

    if not arg.isdigit():
        return None, load_checkpoint(arg)
    try:
        run = store.get(int(arg))
    except KeyError:
        raise UserError(f"--resume: there is no run {arg} in {store.path}; see `resnet-gui runs`") from None
    if check_running and run.status == RunStatus.RUNNING:
        raise UserError(
            f"--resume: run {arg} is still running (process {run.pid} on {run.host or 'this machine'}); "
            "stop it first, or wait for it to end"
        )
    return run.id, load_last_checkpoint(run, "train it again instead of resuming it")


def _stop_on_signals(stop: threading.Event, say: Any) -> dict[int, Any]:
    """Ctrl-C and SIGTERM (torchrun's stop, `kill`, the window's Stop) stop after the batch; again: abort."""

    def on_signal(_sig: int, _frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        say("\nstopping after this batch (Ctrl-C again to abort)")
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Train as the options say; 0 finished, 130 stopped (``--dry-run``: print what it would cost)."""
    if args.dry_run:
        from .estimate import cmd_dry_run

        return cmd_dry_run(args, out)
    if args.seeds:
        from .seeds import launch

        cfg = config_from_args(args)
        return launch(cfg, args.seeds, RunStore(args.runs_db), args.name or run_name(cfg), args.json, out)
    from ..training.distributed import DistContext
    from ..training.engine import fit
    from ..training.estimate import record_estimate

    ctx = DistContext.from_env()
    # Under torchrun only rank 0 keeps the run history, checkpoints and logs.
    store = RunStore(args.runs_db) if ctx.is_main or (args.resume or "").isdigit() else None
    resume: dict[str, Any] | None = None
    run_id: int | None = None
    if args.resume:
        assert store is not None or not args.resume.isdigit()
        run_id, resume = resume_source(args.resume, store or RunStore(args.runs_db), check_running=ctx.is_main)
        cfg = RunConfig.from_dict(resume["config"])
    else:
        cfg = config_from_args(args)
    problems = validate(cfg)
    if problems:
        raise UserError(problems_text(problems))
    callbacks: list[Callback] = []
    checkpoint_dir = None
    printer = RunPrinter(args.json, out, err)
    if ctx.is_main:
        assert store is not None
        if run_id is None:
            run_id = store.create_run(cfg, args.name or run_name(cfg))
            if args.tags:
                store.set_tags(run_id, split_tags(args.tags))
            if not ctx.enabled:  # an estimate made with --dry-run or in the window, for one process
                record_estimate(store, run_id, cfg)
        else:
            from ..training.checkpoint import resume_position

            assert resume is not None
            store.reopen(run_id, resume_position(resume))
        checkpoint_dir = store.get(run_id).checkpoint_dir
        callbacks = [printer, store.recorder(run_id)]
        sides = describe_sides(cfg)
        if sides and not args.json:
            print(f"progressive resizing: {sides}", file=out, flush=True)
        if args.tensorboard:
            from ..runs.tensorboard_log import TensorBoardLogger

            callbacks.append(TensorBoardLogger(Path(args.tensorboard) / f"run-{run_id}"))
    changes = None
    if ctx.is_main and not ctx.enabled and store is not None and run_id is not None:
        from ..runs.changes import StoreChanges

        changes = StoreChanges(store, run_id)  # `runs steer` and the window ask through the run history
    stop = threading.Event()
    previous = _stop_on_signals(stop, lambda text: print(text, file=err, flush=True) if ctx.is_main else None)
    try:
        result = fit(
            cfg,
            callbacks=callbacks,
            stop=stop,
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            dist_ctx=ctx,
            changes=changes,
        )
    except BaseException as e:
        error = ctx.peer_lost(e) or e
        if ctx.is_main and store is not None and run_id is not None:
            message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
            store.finish(run_id, RunStatus.FAILED, message)
        if error is not e:
            raise error from None
        raise
    else:
        ctx.close()
    finally:
        printer.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        ctx.close(wait_for_peers=False)  # after a failure here: the others would wait for this process forever
    if result.status == RunStatus.STOPPED:
        if ctx.is_main:
            print(
                f"stopped after {len(result.history)} epoch(s); continue with: resnet-gui train --resume {run_id}",
                file=err,
            )
        return 130
    if ctx.is_main and not args.json and result.status == RunStatus.FINISHED_EARLY:
        print(f"run {run_id} finished early; checkpoint: {result.best_checkpoint}", file=out)
    elif ctx.is_main and not args.json:
        print(f"run {run_id} finished; checkpoint: {result.last_checkpoint}", file=out)
    return 0
