"""``resnet-gui sweep``: run a sweep of run settings (Optuna), here or as several workers sharing a study."""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from pathlib import Path
from typing import IO, Any, TextIO

from rich.console import Console
from rich.table import Table

from ..errors import UserError
from ..settings.fields import format_value

HELP = "search run settings: a grid, random or TPE sweep (Optuna); each trial is a run in the run history"


def add_sweep_parser(sub: Any, runs_db_help: str) -> None:
    """The ``sweep`` command's options."""
    from ..experiments.definition import STRATEGIES

    s = sub.add_parser("sweep", help=HELP, description=HELP)
    what = s.add_mutually_exclusive_group(required=True)
    what.add_argument("--config", metavar="SWEEP.toml", help="the sweep: base run, settings to vary, strategy, budget")
    what.add_argument("--join", metavar="STUDY", help="take trials from an existing study (give its --storage)")
    s.add_argument("--name", metavar="STUDY", help="the study's name (default: the file's name, else FILE-TIME)")
    s.add_argument(
        "--storage",
        metavar="URL",
        help="where the study lives: a SQLAlchemy URL such as postgresql://user@host/db shared by several "
        "machines (default: experiments.sqlite beside the run history)",
    )
    s.add_argument(
        "--trials", type=int, metavar="N", help="with --config: the sweep's trials; with --join: at most N here"
    )
    s.add_argument("--strategy", choices=STRATEGIES, help="overrides the file's strategy")
    s.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes on this machine (default: 1)")
    s.add_argument(
        "--gpus", metavar="all|0,1", help="one worker per GPU, each seeing only its own (CUDA_VISIBLE_DEVICES)"
    )
    s.add_argument("--create-only", action="store_true", help="make the study and queue its grid; run no trial here")
    s.add_argument("--runs-db", help=runs_db_help)
    s.add_argument("--json", action="store_true", help="one JSON line per finished trial, then one with the best")
    s.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # started by another sweep: no summary


def _open(args: argparse.Namespace, runs_db: Path) -> Any:
    from ..experiments.definition import load_sweep, parse_sweep
    from ..experiments.study import create_sweep, default_storage, join_sweep

    storage = args.storage or default_storage(runs_db)
    if args.join:
        return join_sweep(args.join, storage)
    sweep = load_sweep(args.config)
    if args.trials is not None or args.strategy:
        doc = sweep.to_dict() | {k: v for k, v in (("trials", args.trials), ("strategy", args.strategy)) if v}
        sweep = parse_sweep(doc, f"{args.config} with the command's options")
    name = args.name or sweep.name or f"{Path(args.config).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    return create_sweep(sweep, name, storage)


def _say_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={format_value(v)}" for k, v in params.items())


def _say_trial(doc: dict[str, Any]) -> str:
    acc = doc["best_test_acc"]
    score = f"best test acc {acc:.4f} at epoch {doc['best_epoch']}" if acc is not None else "no test accuracy"
    run = f" (run {doc['run_id']})" if doc.get("run_id") is not None else ""
    note = f"; {doc['message']}" if doc.get("message") else ""
    params = _say_params({k: tuple(v) if isinstance(v, list) else v for k, v in doc["params"].items()})
    return f"trial {doc['trial']}{run} {doc['state']}: {params}: {score}, {doc['seconds']:.1f} s{note}"


def print_trials_table(rows: list[Any], out: TextIO) -> None:
    """One row per trial: its state, varied settings, best test accuracy and epoch, duration, run."""
    console = Console(file=out, highlight=False, width=None if out.isatty() else 10_000)
    table = Table(box=None, pad_edge=False, header_style="bold")
    keys = list(dict.fromkeys(k for r in rows for k in r.params))
    for title in ("trial", "state", *keys, "best acc", "epoch", "seconds", "run"):
        table.add_column(title, justify="left" if title == "state" or title in keys else "right")
    for r in rows:
        acc = f"{r.best_test_acc:.4f}" if r.best_test_acc is not None else "-"
        cells = [format_value(r.params.get(k)) for k in keys]
        secs = f"{r.seconds:.1f}" if r.seconds is not None else "-"
        run = "-" if r.run_id is None else str(r.run_id)
        table.add_row(str(r.number), r.state, *cells, acc, str(r.best_epoch or "-"), secs, run)
    console.print(table)


def _stop_on_signals(stop: threading.Event, after_trial: threading.Event, err: TextIO) -> dict[int, Any]:
    """Ctrl-C and SIGTERM stop the current run after its batch (again: abort); SIGUSR1 after the trial."""

    def on_stop(_sig: int, _frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        print("\nstopping the sweep after this batch (Ctrl-C again to abort)", file=err, flush=True)
        stop.set()

    def on_pause(_sig: int, _frame: Any) -> None:
        print("\nstopping the sweep after this trial", file=err, flush=True)
        after_trial.set()

    if threading.current_thread() is not threading.main_thread():
        return {}
    handlers = {signal.SIGINT: on_stop, signal.SIGTERM: on_stop, signal.SIGUSR1: on_pause}
    return {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}


def _relay(stream: IO[bytes], prefix: str, out: TextIO, lock: threading.Lock) -> None:
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        with lock:
            print(prefix + line, file=out, flush=True)


def _run_workers(opened: Any, args: argparse.Namespace, runs_db: Path, out: TextIO) -> int:
    """Workers in processes of their own; their lines are relayed as they come."""
    from ..experiments.processes import gpu_ids, start_workers, worker_envs

    gpus = gpu_ids(args.gpus) if args.gpus else []
    procs = start_workers(opened.name, opened.storage, runs_db, worker_envs(args.workers, gpus), args.json)
    lock = threading.Lock()
    labels = [f"[gpu {g}] " for g in gpus] or [f"[worker {i + 1}] " for i in range(len(procs))]
    relays = []
    for proc, label in zip(procs, labels, strict=True):
        assert proc.stdout is not None
        relay = threading.Thread(target=_relay, args=(proc.stdout, "" if args.json else label, out, lock), daemon=True)
        relay.start()
        relays.append(relay)
    try:
        codes = [proc.wait() for proc in procs]
    except KeyboardInterrupt:  # the workers got Ctrl-C too (one process group): wait for them to stop
        codes = [proc.wait() for proc in procs]
    for relay, proc in zip(relays, procs, strict=True):
        relay.join(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
    return 130 if 130 in codes else max(codes, default=0)


def cmd_sweep(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the sweep; 0 when its budget is spent, 130 when stopped."""
    from ..experiments.results import best_row, trial_rows
    from ..experiments.worker import trials_of
    from ..runs.store import RunStore

    if args.workers < 1:
        raise UserError("--workers: give 1 or more worker processes (--create-only runs none)")
    store = RunStore(args.runs_db)
    opened = _open(args, store.path)
    if not args.worker and not args.json:
        sweep = opened.sweep
        budget = f"{sweep.budget} trials" if sweep.budget else f"{sweep.timeout_s:g} s"
        print(f"sweep {opened.name!r}: {sweep.strategy}, {budget}, pruner {sweep.pruner}", file=out)
        print(f"other workers join with: resnet-gui sweep --join {opened.name} --storage {opened.storage}", file=out)
    if args.create_only:
        return 0
    if args.gpus or args.workers > 1:
        code = _run_workers(opened, args, store.path, out)
    else:
        stop, after_trial = threading.Event(), threading.Event()
        previous = _stop_on_signals(stop, after_trial, err)
        limit = args.trials if args.join else None
        try:
            for result in trials_of(opened, store, stop, after_trial, limit):
                doc = result.to_json()
                print(json.dumps(doc) if args.json else _say_trial(doc), file=out, flush=True)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        code = 130 if stop.is_set() else 0
    if args.worker:
        return code
    rows = trial_rows(opened)
    best = best_row(rows)
    if args.json:
        print(json.dumps({"best": best.to_json() if best else None}), file=out, flush=True)
        return code
    print_trials_table(rows, out)
    if best is None:
        print("best: none yet (no trial is complete)", file=out)
    else:
        acc = f"{best.best_test_acc:.4f}" if best.best_test_acc is not None else "-"
        print(
            f"best: trial {best.number} (run {best.run_id}): {_say_params(best.params)}: "
            f"test accuracy {acc} at epoch {best.best_epoch}",
            file=out,
        )
    return code
