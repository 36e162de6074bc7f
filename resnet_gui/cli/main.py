"""The ``resnet-gui`` command: no arguments opens the window; ``summary`` and ``train`` run headless."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from ..training import host_memory
from ..settings.config import (
    AUGMENTATIONS,
    BLOCK_STYLES,
    BLOCKS,
    DATASETS,
    DEVICES,
    OPTIMIZERS,
    PRECISIONS,
    SCHEDULES,
    STEMS,
    RunConfig,
    parse_blocks,
    parse_shape,
    validate,
)
from ..errors import UserError
from ..training.events import (
    BatchEnd,
    DataProgress,
    DownloadProgress,
    EpochEnd,
    Event,
    RunStarted,
)
from ..settings.model_presets import MODEL_PRESETS, model_preset
from ..settings.presets import PRESETS, get_preset

if TYPE_CHECKING:
    from ..runs.store import RunRecord, RunStore


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument on one line instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _blocks(text: str) -> tuple[int, ...]:
    try:
        return parse_blocks(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _shape(text: str) -> tuple[int, int, int]:
    try:
        return parse_shape(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _folder_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--image-size", type=int, help="--data folder: decode images to N x N (28)")
    p.add_argument("--channels-in", type=int, choices=(1, 3), help="--data folder: 1 grayscale, 3 colour (1)")
    p.add_argument("--test-fraction", type=float,
                   help="--data folder without test/ or val/: share held out for testing (0.2)")


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = _Parser(prog="resnet-gui", description="Train and inspect residual networks "
                     "(the d2l ResNet chapter). With no command, opens the desktop app.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.add_parser("gui", help="open the desktop app (the default)")

    s = sub.add_parser("summary", help="print the layer-shape table and totals")
    s.add_argument("--preset", choices=MODEL_PRESETS, help="ResNet-18 ... 152 (sets blocks and block type)")
    s.add_argument("--blocks", type=_blocks, help="residual blocks per stage (2,2,2,2)")
    s.add_argument("--block", choices=BLOCKS, help="basic (the seed's) or bottleneck")
    s.add_argument("--block-style", choices=BLOCK_STYLES, default="d2l",
                   help="d2l (conv biases, plain 1x1 shortcut) or torchvision (no biases, BN on the shortcut)")
    s.add_argument("--channels", type=int, help="channels of the first stage (64)")
    s.add_argument("--input", type=_shape, default=(1, 224, 224), help="input shape C,H,W (1,224,224)")
    s.add_argument("--classes", type=int, default=10, help="number of classes (10)")
    s.add_argument("--stem", choices=STEMS, default="d2l", help="d2l (7x7/2 + pool) or small (3x3/1)")
    s.add_argument("--blocks-detail", action="store_true", help="list every residual block too")
    s.add_argument("--json", action="store_true", help="print one JSON document")

    t = sub.add_parser("train", help="train headless, printing the seed's epoch line")
    t.add_argument("--preset", choices=[*PRESETS, *MODEL_PRESETS],
                   help="a named recipe (seed, fast-cpu, fast-gpu) or a model (resnet18 ... resnet152)")
    t.add_argument("--config", metavar="FILE.toml", help="start from settings saved as TOML (options still apply)")
    t.add_argument("--data", choices=DATASETS, help="data set (fashion-mnist; sample is bundled and offline)")
    t.add_argument("--data-root", help="data folder (env RESNET_GUI_DATA, else the user cache)")
    t.add_argument("--blocks", type=_blocks, help="residual blocks per stage, e.g. 2,2,2,2 (ResNet-18)")
    t.add_argument("--channels", type=int, help="channels of the first stage, doubling per stage (64)")
    t.add_argument("--stem", choices=STEMS, help="d2l: 7x7/2 conv + 3x3/2 max pool; small: 3x3/1 conv")
    t.add_argument("--block", choices=BLOCKS, help="basic (two 3x3 convs) or bottleneck (1x1-3x3-1x1)")
    t.add_argument("--block-style", choices=BLOCK_STYLES, help="d2l (the seed's) or torchvision")
    t.add_argument("--resize", type=int, help="resize images to N px (96 as the seed; 0 keeps 28)")
    _folder_options(t)
    t.add_argument("--lr", type=float, help="learning rate (0.001)")
    t.add_argument("--batch-size", type=int, help="images per step (256)")
    t.add_argument("--epochs", type=int, help="passes over the training data (5)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, help="adam (the seed's) or sgd with Nesterov momentum")
    t.add_argument("--momentum", type=float, help="SGD momentum (0.9)")
    t.add_argument("--weight-decay", type=float, help="L2 weight decay (0)")
    t.add_argument("--schedule", choices=SCHEDULES, help="learning-rate schedule (constant)")
    t.add_argument("--warmup-epochs", type=float, help="linear warm-up length in epochs (0)")
    t.add_argument("--label-smoothing", type=float, help="cross-entropy label smoothing (0)")
    t.add_argument("--augment", nargs="?", const="crop+flip", choices=AUGMENTATIONS, metavar="{none,flip,crop+flip}",
                   help="augmentation on the device, per batch: none (default), horizontal flips, or random "
                        "crops and flips (--augment alone: crop+flip)")
    t.add_argument("--no-augment", dest="augment", action="store_const", const="none", help="same as --augment none")
    t.add_argument("--test-flips", action=argparse.BooleanOptionalAction, default=None,
                   help="score each test image and its mirror image and average the two (test-time "
                        "augmentation); helps networks trained with flips, can hurt others")
    t.add_argument("--device", choices=DEVICES, help="auto: CUDA, then Apple MPS, then the CPU")
    t.add_argument("--precision", choices=PRECISIONS, help="auto picks bf16 where it is faster")
    t.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None, help="torch.compile")
    t.add_argument("--seed", type=int, help="makes a run repeatable (0)")
    t.add_argument("--sync-bn", action=argparse.BooleanOptionalAction, default=None,
                   help="under torchrun: batch-norm statistics over the global batch")
    t.add_argument("--json", action="store_true", help="one JSON object per epoch per line")
    t.add_argument("--name", help="a name for the run in the run history")
    t.add_argument("--resume", metavar="RUN_ID_OR_CHECKPOINT",
                   help="continue a stopped or crashed run from its last checkpoint")
    t.add_argument("--runs-db", help="run history database (env RESNET_GUI_RUNS, else the user data dir)")
    t.add_argument("--tensorboard", metavar="LOGDIR", help="also log to TensorBoard (needs the tensorboard package)")

    r = sub.add_parser("runs", help="list, show, compare or export recorded runs")
    r.add_argument("action", nargs="?", default="list", choices=("list", "show", "compare", "export"),
                   help="list (default); show ID; compare ID ID...; export ID --out FILE.csv|.json|.toml")
    r.add_argument("ids", nargs="*", type=int, metavar="ID")
    r.add_argument("--out", help="file to export to: .csv or .json metrics, .toml settings")
    r.add_argument("--runs-db", help="run history database (env RESNET_GUI_RUNS, else the user data dir)")
    r.add_argument("--json", action="store_true", help="print JSON")

    d = sub.add_parser("data", help="describe a data set: classes, counts, image size, skipped files")
    d.add_argument("--data", choices=DATASETS, default="sample")
    d.add_argument("--data-root", help="data folder (for --data folder: the folder of class subfolders)")
    _folder_options(d)
    d.add_argument("--json", action="store_true", help="print one JSON document")

    v = sub.add_parser("eval", help="test accuracy and confusion matrix of a checkpoint")
    v.add_argument("checkpoint")
    v.add_argument("--data", choices=DATASETS, help="data set (default: the one it was trained on)")
    v.add_argument("--data-root", help="data folder")
    v.add_argument("--device", choices=DEVICES, default="auto")
    v.add_argument("--json", action="store_true", help="print one JSON document")

    e = sub.add_parser("export", help="export a checkpoint's model as TorchScript or ONNX")
    e.add_argument("checkpoint")
    e.add_argument("--format", choices=("torchscript", "onnx"), default="torchscript")
    e.add_argument("--out", help="output file (default: beside the checkpoint)")
    return parser


_TRAIN_FIELDS = {
    "model": {"blocks": "blocks", "channels": "channels", "stem": "stem", "block": "block",
              "block_style": "block_style"},
    "data": {"data": "dataset", "data_root": "root", "resize": "resize", "image_size": "image_size",
             "channels_in": "channels", "test_fraction": "test_fraction"},
    "train": {"lr": "lr", "batch_size": "batch_size", "epochs": "epochs", "optimizer": "optimizer",
              "momentum": "momentum", "weight_decay": "weight_decay", "schedule": "schedule",
              "warmup_epochs": "warmup_epochs", "label_smoothing": "label_smoothing",
              "augment": "augment", "test_flips": "test_flips", "device": "device", "precision": "precision",
              "compile": "compile", "seed": "seed", "sync_bn": "sync_bn"},
}


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The preset (or the default) with every given option applied on top."""
    if args.config:
        from ..settings.toml_io import load_toml

        cfg = load_toml(args.config)
    else:
        cfg = RunConfig()
        if args.preset in MODEL_PRESETS:
            cfg = replace(cfg, model=model_preset(args.preset))
        elif args.preset:
            cfg = get_preset(args.preset)
    for section, mapping in _TRAIN_FIELDS.items():
        changes: dict[str, Any] = {f: getattr(args, a) for a, f in mapping.items() if getattr(args, a) is not None}
        cfg = replace(cfg, **{section: replace(getattr(cfg, section), **changes)})
    return cfg


def _cmd_summary(args: argparse.Namespace, out: TextIO) -> int:
    from ..settings.config import ModelConfig
    from ..model.summary import format_table, summarize, to_json

    model = ModelConfig(in_channels=args.input[0], num_classes=args.classes, stem=args.stem,
                        block_style=args.block_style)
    if args.preset:
        model = model_preset(args.preset, model)
    model = replace(model, **{k: v for k, v in (("blocks", args.blocks), ("block", args.block),
                                                ("channels", args.channels)) if v is not None})
    problems = [p for p in validate(RunConfig(model=model)) if p.field.startswith("model.")]
    if problems:
        raise UserError("; ".join(str(p).replace("model.", "--") for p in problems))
    summary = summarize(model, args.input)
    print(to_json(summary) if args.json else format_table(summary, blocks=args.blocks_detail), file=out)
    return 0


def _bar(fraction: float, width: int = 24) -> str:
    """A text progress bar: [#########---------------]."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


class _Printer:
    """Prints run events: the seed's epoch lines, or JSON lines; a live progress line on a terminal."""

    def __init__(self, as_json: bool, out: TextIO, err: TextIO) -> None:
        self.as_json, self.out, self.err = as_json, out, err
        self.live = err.isatty()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted) and not self.as_json:
            print(f"training on {event.device} ({event.precision}), {event.params:,} parameters, "
                  f"{event.train_size:,} training images", file=self.out, flush=True)
        elif isinstance(event, EpochEnd):
            if self.live:
                self.err.write("\r\033[K")
            if self.as_json:
                print(json.dumps({"epoch": event.epoch, "loss": event.loss, "train_acc": event.train_acc,
                                  "test_acc": event.test_acc, "seconds": event.seconds,
                                  "images_per_s": event.images_per_s}), file=self.out, flush=True)
            else:
                print(event.line(), file=self.out, flush=True)
        elif isinstance(event, BatchEnd) and self.live:
            self.err.write(f"\repoch {event.epoch} {_bar(event.batch / event.batches)} {event.batch}/{event.batches}"
                           f"  loss {event.loss:.4f}  {event.images_per_s:,.0f} img/s  ETA {event.eta_s:,.0f} s\033[K")
            self.err.flush()
        elif isinstance(event, DataProgress) and self.live:
            self.err.write(f"\r{event.stage} {_bar(event.done / max(1, event.total))} {event.done:,}/{event.total:,}\033[K")
            self.err.flush()
        elif isinstance(event, DownloadProgress) and self.live:
            total = f"/{event.total_bytes / 1e6:.1f}" if event.total_bytes else ""
            bar = _bar(event.done_bytes / event.total_bytes) + " " if event.total_bytes else ""
            self.err.write(f"\rdownloading {event.file} {bar}{event.done_bytes / 1e6:.1f}{total} MB\033[K")
            self.err.flush()


def _resume_source(arg: str, store: RunStore) -> tuple[int | None, dict[str, Any]]:
    """(run id or None, checkpoint) for ``--resume RUN_ID_OR_CHECKPOINT``."""
    from ..training.checkpoint import load_checkpoint

    if arg.isdigit():
        try:
            run = store.get(int(arg))
        except KeyError:
            raise UserError(f"--resume: there is no run {arg} in {store.path}; see `resnet-gui runs`") from None
        if not run.last_checkpoint:
            raise UserError(f"--resume: run {arg} has no checkpoint yet (it ended before its first epoch)")
        return run.id, load_checkpoint(run.last_checkpoint)
    return None, load_checkpoint(arg)


def _cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..training.distributed import DistContext
    from ..runs.store import RunStore

    ctx = DistContext.from_env()
    # Under torchrun only rank 0 keeps the run history, checkpoints and logs.
    store = RunStore(args.runs_db) if ctx.is_main or (args.resume or "").isdigit() else None
    resume: dict[str, Any] | None = None
    run_id: int | None = None
    if args.resume:
        run_id, resume = _resume_source(args.resume, store)  # type: ignore[arg-type]
        cfg = RunConfig.from_dict(resume["config"])
    else:
        cfg = config_from_args(args)
    problems = validate(cfg)
    if problems:
        raise UserError("; ".join(str(p) for p in problems))
    from ..training.engine import fit

    callbacks: list[Any] = []
    checkpoint_dir = None
    if ctx.is_main:
        assert store is not None
        if run_id is None:
            run_id = store.create_run(cfg, args.name)
        else:
            from ..training.checkpoint import resume_position

            store.reopen(run_id, resume_position(resume))
        checkpoint_dir = store.get(run_id).checkpoint_dir
        callbacks = [_Printer(args.json, out, err), store.recorder(run_id)]
        if args.tensorboard:
            from ..runs.tensorboard_log import TensorBoardLogger

            callbacks.append(TensorBoardLogger(Path(args.tensorboard) / f"run-{run_id}"))
    stop = threading.Event()

    def on_sigint(_sig: int, _frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        if ctx.is_main:
            print("\nstopping after this batch (Ctrl-C again to abort)", file=err, flush=True)
        stop.set()

    # SIGTERM (torchrun's stop, `kill`, the GUI's Stop for a background run) stops the same way.
    previous = ({sig: signal.signal(sig, on_sigint) for sig in (signal.SIGINT, signal.SIGTERM)}
                if threading.current_thread() is threading.main_thread() else {})
    try:
        result = fit(cfg, callbacks=callbacks, stop=stop, checkpoint_dir=checkpoint_dir, resume=resume, dist_ctx=ctx)
    except BaseException as e:
        if ctx.is_main and store is not None and run_id is not None:
            store.finish(run_id, "failed", str(e) if isinstance(e, UserError) else f"{type(e).__name__}: {e}")
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        ctx.close()
    if result.status == "stopped":
        if ctx.is_main:
            print(f"stopped after {len(result.history)} epoch(s); continue with: resnet-gui train --resume {run_id}",
                  file=err)
        return 130
    if ctx.is_main and not args.json:
        print(f"run {run_id} finished; checkpoint: {result.last_checkpoint}", file=out)
    return 0


def _runs_table(runs: list[RunRecord], out: TextIO) -> None:
    print(f"{'id':>4}  {'name':<20} {'status':<9} {'epochs':>7} {'best acc':>8}  checkpoint", file=out)
    for r in runs:
        best = f"{r.best_test_acc:.4f}" if r.best_test_acc is not None else "-"
        print(f"{r.id:>4}  {r.name[:20]:<20} {r.status:<9} {f'{r.epochs_done}/{r.epochs_planned}':>7} {best:>8}  "
              f"{r.last_checkpoint or '-'}", file=out)


def _cmd_runs(args: argparse.Namespace, out: TextIO) -> int:
    from ..runs.store import RunStore, config_differences

    store = RunStore(args.runs_db)
    needed = {"list": 0, "show": 1, "export": 1}.get(args.action, 2)
    if len(args.ids) < needed or (args.action in ("show", "export") and len(args.ids) != 1):
        raise UserError(f"runs {args.action}: give {'one run id' if needed == 1 else 'two or more run ids'}")
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
            _runs_table(runs, out)
    elif args.action == "show":
        run = runs[0]
        doc = {**run.summary(), "notes": run.notes, "config": run.config.to_dict(), "versions": run.versions,
               "epochs": [vars(e) for e in store.epochs(run.id)]}
        if args.json:
            print(json.dumps(doc, indent=2), file=out)
        else:
            _runs_table([run], out)
            for e in store.epochs(run.id):
                print("  " + e.line(), file=out)
    elif args.action == "compare":
        diffs = config_differences([r.config for r in runs])
        if args.json:
            print(json.dumps({"runs": [r.summary() for r in runs], "differences": diffs}, indent=2), file=out)
        else:
            _runs_table(runs, out)
            print("settings that differ:" if diffs else "no settings differ", file=out)
            for name, values in diffs.items():
                print(f"  {name}: " + " | ".join(str(v) for v in values), file=out)
    else:
        _export_run(store, runs[0], args.out)
    return 0


def _export_run(store: RunStore, run: RunRecord, target: str | None) -> None:
    from ..settings.toml_io import save_toml
    from ..inference.export import write_metrics_csv, write_metrics_json

    if not target:
        raise UserError("runs export: give --out FILE.csv, FILE.json or FILE.toml")
    suffix = target.rsplit(".", 1)[-1].lower()
    if suffix == "csv":
        write_metrics_csv(store.epochs(run.id), target)
    elif suffix == "json":
        write_metrics_json(store.epochs(run.id), target, {"run": run.summary(), "config": run.config.to_dict()})
    elif suffix == "toml":
        save_toml(run.config, target)
    else:
        raise UserError(f"runs export: --out must end in .csv, .json or .toml, got {target}")


def _cmd_data(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..settings.config import DataConfig
    from ..data.datasets import load_dataset
    from ..data.preview import make_preview

    changes = {f: getattr(args, a) for a, f in _TRAIN_FIELDS["data"].items()
               if hasattr(args, a) and getattr(args, a) is not None}
    cfg = DataConfig(**changes)
    problems = [p for p in validate(RunConfig(data=cfg)) if p.field.startswith("data.")]
    if problems:
        raise UserError("; ".join(str(p) for p in problems))
    preview = make_preview(load_dataset(cfg, _Printer(False, out, err)))
    if args.json:
        print(json.dumps({"classes": list(preview.class_names), "train_counts": list(preview.train_counts),
                          "test_counts": list(preview.test_counts), "image_size": preview.image_size,
                          "channels": preview.channels, "skipped": list(preview.skipped)}, indent=2), file=out)
        return 0
    print(preview.describe(), file=out)
    for name, tr, te in zip(preview.class_names, preview.train_counts, preview.test_counts):
        print(f"  {name:<24} {tr:>7,} train {te:>6,} test", file=out)
    for line in preview.skipped:
        print(f"  skipped {line}", file=out)
    return 0


def _cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    from ..inference.export import load_trained
    from ..inference.predictions import evaluate_checkpoint, per_class_accuracy

    data_cfg = None
    if args.data or args.data_root:
        trained = load_trained(args.checkpoint).config.data
        data_cfg = replace(trained, dataset=args.data or trained.dataset, root=args.data_root or trained.root)
    result = evaluate_checkpoint(args.checkpoint, data_cfg, args.device)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2), file=out)
        return 0
    names = [n[:11] for n in result.class_names]
    print(f"test accuracy: {result.accuracy:.4f} on {result.images:,} images", file=out)
    print("confusion matrix (rows: true class, columns: predicted):", file=out)
    print(" " * 12 + "".join(f"{n:>12}" for n in names), file=out)
    for name, row in zip(names, result.counts):
        print(f"{name:>12}" + "".join(f"{c:>12}" for c in row), file=out)
    print("per-class accuracy: " + ", ".join(f"{n} {a:.3f}" for n, a in zip(names, per_class_accuracy(result.counts))),
          file=out)
    return 0


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from ..inference.export import export_onnx, export_torchscript

    suffix = ".onnx" if args.format == "onnx" else ".ts.pt"
    target = args.out or str(args.checkpoint).rsplit(".", 1)[0] + suffix
    made = (export_onnx if args.format == "onnx" else export_torchscript)(args.checkpoint, target)
    print(f"wrote {made}", file=out)
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of ``resnet-gui`` and ``python -m resnet_gui``; returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    args = build_parser().parse_args(argv)
    host_memory.share_main_arena()
    if args.command in (None, "gui"):
        from ..gui.app import main as gui_main

        return gui_main()
    try:
        if args.command == "summary":
            return _cmd_summary(args, out)
        if args.command == "runs":
            return _cmd_runs(args, out)
        if args.command == "export":
            return _cmd_export(args, out)
        if args.command == "eval":
            return _cmd_eval(args, out)
        if args.command == "data":
            return _cmd_data(args, out, err)
        return _cmd_train(args, out, err)
    except UserError as e:
        hint = " (--data sample)" if getattr(e, "offer_sample", False) else ""
        print(f"resnet-gui: error: {e}{hint}", file=err)
        return 1
    except KeyboardInterrupt:
        print("resnet-gui: interrupted", file=err)
        return 130
