"""Training images/s of the seed's loop and of the engine, measured in one run, alternating.

Both sides train the same network (``build_model`` of the default ModelConfig: the seed's
ResNet-18) from the same initial weights, with the same optimizer, batch size, resize and device.

* seed: a faithful copy of the chapter's ``load_data_fashion_mnist`` (PIL Resize + ToTensor per
  image, DataLoader with 4 workers, shuffle) and ``train_ch5``'s loop body (``.cpu().item()`` per
  batch), always float32, as written (see benchmarks/seed_loop.py).
* engine: an ``engine.Trainer`` set up as ``engine.fit`` does (device-resident uint8 images in a
  ``DeviceBatcher``, bf16 autocast and channels_last where fit picks them), trained through its
  own ``_train_epoch``, one chunk per call.

Each round runs one chunk of each side (the order swaps every round so drift in the machine's
load hits both alike). A chunk is ``--warmup`` batches (not timed: worker start-up, oneDNN or
cuDNN set-up) then ``--batches`` timed batches. The figure per side is the median over rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from resnet_gui import engine  # noqa: E402
from resnet_gui.batching import DeviceBatcher  # noqa: E402
from resnet_gui.config import PRECISIONS, RunConfig  # noqa: E402
from resnet_gui.data import DataSet, fashion_mnist_present, load_fashion_mnist, resolve_root  # noqa: E402
from resnet_gui.devices import resolve_device  # noqa: E402
from resnet_gui.model import build_model  # noqa: E402
from resnet_gui.presets import get_preset  # noqa: E402
from seed_loop import load_data_fashion_mnist, train_batches  # noqa: E402


class SeedSide:
    """The chapter's loop: a DataLoader iterator per chunk (as per epoch), fp32, per-batch host reads."""

    def __init__(self, cfg: RunConfig, root: Path, device: torch.device, workers: int) -> None:
        torch.manual_seed(cfg.train.seed or 0)
        self.device = device
        self.net = build_model(cfg.model).to(device)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=cfg.train.lr)
        self.loss = nn.CrossEntropyLoss()
        self.train_iter, _ = load_data_fashion_mnist(cfg.train.batch_size, resize=cfg.data.resize or None,
                                                     root=str(root), num_workers=workers)

    def chunk(self, warmup: int, batches: int) -> tuple[int, float]:
        """Images trained and seconds taken by ``batches`` batches after ``warmup`` untimed ones."""
        cudnn_before = torch.backends.cudnn.benchmark
        torch.backends.cudnn.benchmark = False  # the seed never sets it
        it = iter(self.train_iter)
        try:
            train_batches(self.net, it, self.optimizer, self.device, warmup, self.loss)
            start = time.perf_counter()
            images = train_batches(self.net, it, self.optimizer, self.device, batches, self.loss)
            return images, time.perf_counter() - start
        finally:
            del it  # stops the worker processes, as the end of an epoch does
            torch.backends.cudnn.benchmark = cudnn_before


class EngineSide:
    """The engine's loop: ``Trainer._train_epoch`` over chunks of its own device-resident DeviceBatcher.

    The Trainer is built exactly as ``engine.fit`` builds it (device, precision, channels_last,
    seeding, optimizer, schedule); each chunk swaps its training batcher for a random subset of
    the same device-resident images with the same settings, so one "epoch" is one chunk.
    """

    def __init__(self, cfg: RunConfig, data: DataSet, seed: int) -> None:
        self.trainer = engine.Trainer(cfg, data=data)
        self.full = self.trainer.train
        self.device = self.trainer.device
        self.precision = self.trainer.precision
        self.channels_last = self.full.channels_last
        self.gen = torch.Generator().manual_seed(seed + 1)

    def _run(self, batches: int) -> tuple[int, float]:
        full = self.full
        pick = torch.randperm(full.size, generator=self.gen)[:batches * full.batch_size].to(self.device)
        self.trainer.train = DeviceBatcher(full.images[pick], full.labels[pick], full.batch_size, full.device,
                                           full.resize, augment=full.augment, channels_last=full.channels_last,
                                           shard=full.shard)
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        self.trainer.run_start, self.trainer.start_step = start, 0  # what run() sets, for its ETA
        # _train_epoch reads the host every 0.5 s and once at its end, so the clock is fair.
        epoch = self.trainer._train_epoch(1)
        seconds = time.perf_counter() - start
        if epoch is None:
            raise RuntimeError("the engine stopped part-way through a chunk")
        return self.trainer.train.size, seconds

    def chunk(self, warmup: int, batches: int) -> tuple[int, float]:
        """Images trained and seconds taken by ``batches`` batches after ``warmup`` untimed ones."""
        cudnn_before = torch.backends.cudnn.benchmark
        torch.backends.cudnn.benchmark = self.device.type == "cuda"  # as the Trainer sets it
        try:
            if warmup:
                self._run(warmup)
            return self._run(batches)
        finally:
            torch.backends.cudnn.benchmark = cudnn_before


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data-root", default=None,
                   help="folder holding FashionMNIST/raw (default: env RESNET_GUI_DATA, else the user cache)")
    p.add_argument("--resize", type=int, default=96, help="image size; 0 keeps the native 28 px")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--batches", type=int, default=6, help="timed batches per chunk")
    p.add_argument("--warmup", type=int, default=2, help="untimed batches at the start of each chunk")
    p.add_argument("--rounds", type=int, default=5, help="chunks per side (alternating)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    p.add_argument("--precision", default="auto", choices=PRECISIONS,
                   help="the engine side's precision (the seed is always fp32, as written)")
    p.add_argument("--workers", type=int, default=4, help="the seed's DataLoader workers (4 as in the chapter)")
    p.add_argument("--seed", type=int, default=0, help="random seed of both sides")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads of the training process, both sides (default: torch's choice)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the alternating benchmark and print images/s per side, then ``speedup: X.XX``."""
    args = build_parser().parse_args(argv)
    root = resolve_root(args.data_root)
    if not fashion_mnist_present(root):
        print(f"error: Fashion-MNIST not found in {root} (FashionMNIST/raw); pass --data-root or set "
              "RESNET_GUI_DATA", file=sys.stderr)
        return 2
    device = resolve_device(args.device)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    base = get_preset("seed")
    cfg = replace(base,
                  data=replace(base.data, root=str(root), resize=args.resize),
                  train=replace(base.train, batch_size=args.batch_size, device=args.device,
                                precision=args.precision, seed=args.seed))
    steps = -(-60000 // args.batch_size)
    if args.warmup + args.batches > steps:
        print(f"error: --warmup + --batches must fit in one epoch ({steps} batches)", file=sys.stderr)
        return 2

    # The chapter's 4 workers exceed a 2-CPU machine's cores; that is the baseline as written.
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    data = load_fashion_mnist(root)
    seed_side = SeedSide(cfg, root, device, args.workers)
    engine_side = EngineSide(cfg, data, args.seed)
    px = args.resize or 28
    print(f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs; ResNet-18 (seed), {px} px, batch {args.batch_size}, Adam {cfg.train.lr:g}")
    print(f"seed: fp32, DataLoader x{args.workers} workers | engine: {engine_side.precision}, "
          f"channels_last={engine_side.channels_last}, DeviceBatcher")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.rounds} rounds x ({args.warmup} warm-up + {args.batches} timed batches) per side", flush=True)

    rates: dict[str, list[float]] = {"seed": [], "engine": []}
    sides = {"seed": seed_side, "engine": engine_side}
    for r in range(1, args.rounds + 1):
        order = ("seed", "engine") if r % 2 else ("engine", "seed")
        for name in order:
            images, seconds = sides[name].chunk(args.warmup, args.batches)
            rates[name].append(images / seconds)
            print(f"round {r} {name:6s}: {images / seconds:8.1f} img/s  ({images} images in {seconds:.2f} s)",
                  flush=True)

    seed_med, engine_med = statistics.median(rates["seed"]), statistics.median(rates["engine"])
    ratios = [e / s for e, s in zip(rates["engine"], rates["seed"])]
    print(f"seed loop (fp32):   median {seed_med:8.1f} img/s  (min {min(rates['seed']):.1f}, "
          f"max {max(rates['seed']):.1f})")
    print(f"engine ({engine_side.precision}):      median {engine_med:8.1f} img/s  "
          f"(min {min(rates['engine']):.1f}, max {max(rates['engine']):.1f})")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("per-round speedups: " + ", ".join(f"{x:.2f}" for x in ratios))
    print(f"speedup: {engine_med / seed_med:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
