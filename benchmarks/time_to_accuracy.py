"""Wall time for a preset to first reach a test accuracy on the full Fashion-MNIST test set.

The clock starts when this script starts (before torch is imported), so it includes importing
torch, loading the data, building the model and every evaluation. Test accuracy is taken at
each epoch end (the engine's EpochEnd events); the time is that of the first epoch end at or
above the target. The run goes on to the preset's last epoch (to report the best accuracy)
unless ``--stop-at-target`` or ``--max-minutes`` cuts it short.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_data import add_data_root  # noqa: E402

from resnet_gui.settings.config import SPECS  # noqa: E402
from resnet_gui.settings.image_sizes import describe_sides  # noqa: E402
from resnet_gui.settings.parsing import parse_blocks  # noqa: E402
from resnet_gui.settings.presets import PRESETS, get_preset  # noqa: E402
from resnet_gui.settings.validation import validate  # noqa: E402
from resnet_gui.training.events import BatchEnd, EpochEnd, Event, RunStarted  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--preset", required=True, choices=sorted(PRESETS), help="the recipe to time")
    p.add_argument(
        "--target", type=float, default=0.926, help="test accuracy to reach (0.926 is the seed's 5-epoch result)"
    )
    add_data_root(p)
    p.add_argument("--max-minutes", type=float, default=None, help="stop the run after this many minutes of wall time")
    p.add_argument("--stop-at-target", action="store_true", help="stop as soon as the target is reached")
    p.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
    p.add_argument(
        "--blocks", type=parse_blocks, default=None, help="override the preset's blocks per stage, e.g. 1,1,1"
    )
    p.add_argument("--channels", type=int, default=None, help="override the preset's first-stage channels")
    p.add_argument(
        "--device", default=None, choices=("auto", "cpu", "cuda", "mps"), help="override the preset's device"
    )
    p.add_argument(
        "--precision", default=None, choices=SPECS["train.precision"].choices, help="override the preset's precision"
    )
    p.add_argument("--seed", type=int, default=None, help="override the preset's random seed")
    p.add_argument(
        "--augment", choices=SPECS["train.augment"].choices, default=None, help="override the preset's augmentation"
    )
    p.add_argument(
        "--test-flips",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="override the preset's test-time flips (scores each test image and its mirror image)",
    )
    p.add_argument(
        "--test-shifts",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="override the preset's test-time shifts (the last epoch also scores each view moved by one pixel)",
    )
    p.add_argument(
        "--test-every",
        type=int,
        default=None,
        help="override the preset's epochs per test (the test set is scored after every N-th epoch and the last)",
    )
    p.add_argument(
        "--decay-norms",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="override the preset's weight decay on the batch norms and biases",
    )
    p.add_argument(
        "--optimizer", choices=SPECS["train.optimizer"].choices, default=None, help="override the preset's optimizer"
    )
    p.add_argument("--muon-lr", type=float, default=None, help="override the preset's Muon learning rate")
    p.add_argument("--label-smoothing", type=float, default=None, help="override the preset's label smoothing")
    p.add_argument(
        "--start-size", type=int, default=None, help="override the preset's progressive resizing start size (px)"
    )
    p.add_argument(
        "--full-size-epoch", type=int, default=None, help="override the preset's first epoch at the full size"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: torch's choice, one per core); 1 is steadier on a busy machine",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Train the preset and print each epoch, then ``time_to_<target>`` and ``best_test_acc``."""
    args = build_parser().parse_args(argv)
    cfg = get_preset(args.preset)
    train_changes = {
        k: v
        for k, v in (
            ("epochs", args.epochs),
            ("device", args.device),
            ("precision", args.precision),
            ("seed", args.seed),
            ("augment", args.augment),
            ("test_flips", args.test_flips),
            ("test_shifts", args.test_shifts),
            ("test_every", args.test_every),
            ("decay_norms", args.decay_norms),
            ("optimizer", args.optimizer),
            ("muon_lr", args.muon_lr),
            ("label_smoothing", args.label_smoothing),
            ("start_size", args.start_size),
            ("full_size_epoch", args.full_size_epoch),
        )
        if v is not None
    }
    model_changes = {k: v for k, v in (("blocks", args.blocks), ("channels", args.channels)) if v is not None}
    cfg = replace(
        cfg,
        model=replace(cfg.model, **model_changes),
        data=replace(cfg.data, dataset="fashion-mnist", root=args.data_root),
        train=replace(cfg.train, **train_changes),
    )
    problems = validate(cfg)
    if problems:
        print("error: " + "; ".join(str(p) for p in problems), file=sys.stderr)
        return 2

    import torch

    from resnet_gui.training.engine import fit

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    from resnet_gui.errors import UserError

    stop = threading.Event()
    limit_s = args.max_minutes * 60 if args.max_minutes is not None else None
    reached: list[float] = []
    best = [0.0]

    def on_event(event: Event) -> None:
        now = time.perf_counter() - START
        if isinstance(event, RunStarted):
            print(
                f"[{now:7.1f} s] data loaded, model built: {event.device} ({event.precision}), "
                f"{event.params:,} parameters, {event.epochs} epochs of {event.batches_per_epoch} batches",
                flush=True,
            )
        elif isinstance(event, EpochEnd):
            acc = event.test_acc if event.test_acc is not None else 0.0  # None: an epoch not scored
            best[0] = max(best[0], acc)
            mark = ""
            if not reached and acc >= args.target:
                reached.append(now)
                mark = "  <- target reached"
                if args.stop_at_target:
                    stop.set()
            print(f"[{now:7.1f} s] {event.line()}, {event.images_per_s:,.0f} img/s{mark}", flush=True)
        elif isinstance(event, BatchEnd) and limit_s is not None and now > limit_s and not stop.is_set():
            print(f"[{now:7.1f} s] --max-minutes {args.max_minutes:g} passed: stopping", flush=True)
            stop.set()

    t = cfg.train
    m = cfg.model
    print(
        f"preset {args.preset}: blocks {','.join(map(str, m.blocks))}, {m.channels} channels, stem {m.stem}"
        f"{' + pool' if m.stem_pool or m.stem == 'd2l' else ''}"
        f"{' (before BN)' if m.stem == 'small' and m.stem_pool and m.pool_first else ''}, "
        f"resize {cfg.data.resize or 28} px, "
        f"{t.optimizer} lr {t.lr:g}{f' (Muon {t.muon_lr:g})' if t.optimizer == 'muon' else ''} {t.schedule}, "
        f"batch {t.batch_size}, {t.epochs} epochs, "
        f"wd {t.weight_decay:g}{'' if t.decay_norms else ' (weights only)'}, "
        f"smoothing {t.label_smoothing:g}, augment {t.augment}"
        f"{', test-time flips' if t.test_flips else ''}{', test-time shifts at the end' if t.test_shifts else ''}"
        f"{f', tested every {t.test_every} epochs and at the end' if t.test_every > 1 else ''}"
        f"{f', progressive resizing: {describe_sides(cfg)}' if describe_sides(cfg) else ''}"
    )
    from machine import cpu_model, onednn_isa  # torch is loaded by now: machine.py imports it

    print(f"CPU {cpu_model()}")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
        f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    try:
        result = fit(cfg, callbacks=[on_event], stop=stop)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    total = time.perf_counter() - START
    print(
        f"run {result.status} after {len(result.history)} epoch(s), {total:.1f} s wall time in all, "
        f"{time.process_time() / total:.2f} CPUs busy on average (of {os.cpu_count()}), "
        f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    key = f"time_to_{args.target:g}"
    print(f"{key}: {reached[0]:.1f} s" if reached else f"{key}: not reached")
    print(f"best_test_acc: {best[0]:.4f}")
    print(f"oneDNN ISA (probed after the timing): {onednn_isa()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
