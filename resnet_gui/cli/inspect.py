"""``resnet-gui summary``, ``data``, ``eval`` and ``export``: looking at networks, data and checkpoints."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import UserError
from ..settings.config import SPECS, DataConfig, ModelConfig, RunConfig, with_values
from ..settings.image_sizes import input_shape
from ..settings.presets import model_preset
from ..settings.validation import validate
from .options import DATA_KEYS, MEMORY_KEYS, SUMMARY_DATA_KEYS, SUMMARY_KEYS, given
from .progress import RunPrinter

if TYPE_CHECKING:
    from ..inference.predictions import Evaluation
    from ..model.summary import Summary


def _refuse(problems: list, prefix: str) -> None:
    mine = [p for p in problems if p.field.startswith(prefix)]
    if mine:
        raise UserError("; ".join(f"{SPECS[p.field].cli_option}: {p.message}" for p in mine))


def cmd_summary(args: argparse.Namespace, out: TextIO) -> int:
    """The layer-shape table (or JSON) of the network the options describe, with a memory estimate for training
    at ``--batch-size`` when given."""
    from ..model.summary import format_table, summarize, to_json

    data = with_values(RunConfig(), given(args, SUMMARY_DATA_KEYS)).data
    _refuse([p for p in validate(RunConfig(data=data)) if p.field in SUMMARY_DATA_KEYS], "data.")
    shape = args.input or input_shape(data)
    model = ModelConfig(in_channels=shape[0], num_classes=args.classes)
    if args.preset:
        model = model_preset(args.preset, model)
    cfg = with_values(RunConfig(model=model, data=data), given(args, SUMMARY_KEYS + MEMORY_KEYS))
    _refuse(validate(cfg), "model.")
    _refuse(validate(cfg), "train.")
    summary = summarize(cfg.model, shape)
    memory = _memory(cfg, shape, summary) if getattr(args, "train.batch_size") is not None else None
    if args.json:
        doc = json.loads(to_json(summary))
        if memory is not None:
            doc["memory"] = memory
        print(json.dumps(doc, indent=2), file=out)
        return 0
    print(format_table(summary, blocks=args.blocks_detail), file=out)
    if memory is not None:
        print(memory["line"], file=out)
    return 0


def _memory(cfg: RunConfig, shape: tuple[int, int, int], summary: Summary) -> dict[str, Any]:
    """The memory training ``cfg.model`` on ``shape`` needs: the settings it assumed, the bytes by part, a line.

    ``data_bytes`` is 0: the command has no data set (training adds it on a GPU, where the data set lives).
    """
    from ..model.memory import estimate_memory, memory_line
    from ..training.devices import resolve_device, resolve_precision

    t = cfg.train
    try:
        device = resolve_device(t.device)
    except ValueError as e:
        raise UserError(f"--device: {e}") from None
    precision = resolve_precision(t.precision, device)
    estimate = estimate_memory(
        cfg.model, shape, t.batch_size, precision, t.optimizer, t.momentum, device=device.type, summary=summary
    )
    return {
        "batch_size": t.batch_size,
        "precision": precision,
        "optimizer": t.optimizer,
        "device": device.type,
        **estimate.to_dict(),
        "line": memory_line(estimate, t.batch_size, precision, t.optimizer, device.type),
    }


def cmd_data(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """A data set's classes, counts, image size and skipped files."""
    from ..data.datasets import load_dataset
    from ..data.preview import make_preview

    cfg = with_values(RunConfig(data=DataConfig()), given(args, DATA_KEYS))
    _refuse(validate(cfg), "data.")
    printer = RunPrinter(False, out, err)
    try:
        preview = make_preview(load_dataset(cfg.data, printer))
    finally:
        printer.close()
    if args.json:
        print(
            json.dumps(
                {
                    "classes": list(preview.class_names),
                    "train_counts": list(preview.train_counts),
                    "test_counts": list(preview.test_counts),
                    "image_size": preview.image_size,
                    "channels": preview.channels,
                    "skipped": list(preview.skipped),
                },
                indent=2,
            ),
            file=out,
        )
        return 0
    print(preview.describe(), file=out)
    for name, tr, te in zip(preview.class_names, preview.train_counts, preview.test_counts, strict=True):
        print(f"  {name:<24} {tr:>7,} train {te:>6,} test", file=out)
    for line in preview.skipped:
        print(f"  skipped {line}", file=out)
    return 0


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    """Test accuracy, confusion matrix and per-class precision, recall and F1 of a checkpoint or an ensemble."""
    from ..inference.ensemble import EnsembleEvaluation, evaluate_ensemble
    from ..inference.metrics import class_scores
    from ..inference.predictions import evaluate_checkpoint
    from ..inference.trained import load_trained

    paths: list[str] = args.checkpoint
    data_cfg = None
    if args.data or args.data_root or args.folder:
        trained = load_trained(paths[0]).config.data
        data_cfg = replace(
            trained,
            dataset=args.data or trained.dataset,
            root=args.data_root or trained.root,
            folder=args.folder or trained.folder,
        )
    views = (args.test_flips, args.test_shifts)
    if len(paths) > 1:
        result: Evaluation = evaluate_ensemble(paths, data_cfg, args.device, views)
    else:
        result = evaluate_checkpoint(paths[0], data_cfg, args.device, views)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2), file=out)
        return 0
    names = [n[:11] for n in result.class_names]
    scored = "" if result.views == 1 else f", {result.views} views of each averaged"
    members = result.members if isinstance(result, EnsembleEvaluation) else ()
    if members:
        scored = f", an ensemble of {len(members)} networks" + scored
    print(f"test accuracy: {result.accuracy:.4f} on {result.images:,} images{scored}", file=out)
    for member in members:
        print(f"  alone: {member.accuracy:.4f}  {member.checkpoint}", file=out)
    print("confusion matrix (rows: true class, columns: predicted):", file=out)
    print(" " * 12 + "".join(f"{n:>12}" for n in names), file=out)
    for name, row in zip(names, result.counts, strict=True):
        print(f"{name:>12}" + "".join(f"{c:>12}" for c in row), file=out)
    scores = class_scores(result.counts)
    print(f"{'':>12}{'precision':>12}{'recall':>12}{'f1':>12}{'support':>12}", file=out)
    rows = zip(names, scores.precision, scores.recall, scores.f1, scores.support, strict=True)
    for name, p, r, f, n in rows:
        print(f"{name:>12}{p:>12.3f}{r:>12.3f}{f:>12.3f}{n:>12,}", file=out)
    total = int(scores.support.sum())
    for label, (p, r, f) in (("macro average", scores.macro()), ("weighted average", scores.weighted())):
        print(f"{label:>16}{p:>8.3f}{r:>12.3f}{f:>12.3f}{total:>12,}", file=out)
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """The checkpoint's network as TorchScript or ONNX."""
    from ..inference.model_export import check_target, default_export_path, export_model

    target = check_target(args.checkpoint, args.out or default_export_path(args.checkpoint, args.format), args.force)
    print(f"wrote {export_model(args.checkpoint, target, args.format)}", file=out)
    return 0
