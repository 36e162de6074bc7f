"""Training images/s of the seed's loop and of the engine, measured in one run, alternating.

Both sides train the same network (``build_model`` of the default ModelConfig: the seed's
ResNet-18) from the same initial weights, with the same optimizer, batch size, resize and device.

* seed: a faithful copy of the chapter's ``load_data_fashion_mnist`` (PIL Resize + ToTensor per
  image, DataLoader with 4 workers, shuffle) and ``train_ch5``'s loop body (``.cpu().item()`` per
  batch), always float32, as written (see benchmarks/seed_loop.py).
* engine: an ``engine.Trainer`` set up as ``engine.fit`` does (device-resident uint8 images in a
  ``DeviceBatcher``, bf16 autocast and channels_last where fit picks them), trained through its
  own ``_train_epoch``, one chunk per call.

Each side runs in its own process, started fresh as a user's would be (the seed's as a plain
Python process; the engine's with what the ``resnet-gui`` command sets up at start and what
``Trainer.run`` trains inside, e.g. its host-memory policy), so that neither inherits the other's
process-wide settings. Only one side trains at a time: each round runs one chunk of each side
(the order swaps every round so drift in the machine's load hits both alike).
A chunk is ``--warmup`` batches (not timed: worker start-up or refill, oneDNN or cuDNN set-up)
then ``--batches`` timed batches. The figure per side is the median over rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import statistics
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from bench_data import add_data_root, fashion_mnist_root  # noqa: E402
from machine import BareSide, describe  # noqa: E402
from seed_loop import load_data_fashion_mnist, train_batches  # noqa: E402
from torch import nn  # noqa: E402

from resnet_gui.data.batching import DeviceBatcher  # noqa: E402
from resnet_gui.data.datasets import DataSet, load_fashion_mnist  # noqa: E402
from resnet_gui.model.resnet import build_model  # noqa: E402
from resnet_gui.settings.config import SPECS, RunConfig  # noqa: E402
from resnet_gui.settings.presets import get_preset  # noqa: E402
from resnet_gui.training import engine, host_memory  # noqa: E402
from resnet_gui.training.devices import resolve_device, resolve_precision  # noqa: E402


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by the processes ``pids`` (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


class SeedSide:
    """The chapter's loop: fp32, per-batch host reads, batches from one DataLoader epoch across chunks.

    The iterator (and with it the 4 worker processes) lives on from chunk to chunk as it does
    through an epoch, so the workers make one batch per batch trained, as in the seed's steady
    state; a new epoch (new workers) starts only when the current one runs out.
    """

    def __init__(self, cfg: RunConfig, root: Path, device: torch.device, workers: int) -> None:
        torch.manual_seed(cfg.train.seed or 0)
        self.device = device
        self.net = build_model(cfg.model).to(device)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=cfg.train.lr)
        self.loss = nn.CrossEntropyLoss()
        self.train_iter, _ = load_data_fashion_mnist(
            cfg.train.batch_size, resize=cfg.data.resize or None, root=str(root), num_workers=workers
        )
        self._epoch: Iterator[tuple[torch.Tensor, torch.Tensor]] | None = None
        self._left = 0  # batches left in the current epoch

    def chunk(self, warmup: int, batches: int) -> tuple[int, float]:
        """Images trained and seconds taken by ``batches`` batches after ``warmup`` untimed ones."""
        if self._epoch is None or self._left < warmup + batches:
            self._epoch = None  # stops the old epoch's workers, as train_ch5's epoch loop does
            self._epoch, self._left = iter(self.train_iter), len(self.train_iter)
        self._left -= warmup + batches
        train_batches(self.net, self._epoch, self.optimizer, self.device, warmup, self.loss)
        start = time.perf_counter()
        images = train_batches(self.net, self._epoch, self.optimizer, self.device, batches, self.loss)
        seconds = time.perf_counter() - start
        self._wait_for_workers()
        return images, seconds

    def _wait_for_workers(self, poll_s: float = 0.5, limit_s: float = 20.0) -> None:
        """Let the workers finish the batches they prefetch, so that work isn't done in the engine's turn.

        The seed's own next chunk starts with those batches ready, as they would be mid-epoch.
        """
        pids = [w.pid for w in getattr(self._epoch, "_workers", [])]
        if not pids or not Path("/proc").is_dir():
            return
        busy, deadline = cpu_seconds(pids), time.monotonic() + limit_s
        while time.monotonic() < deadline:
            time.sleep(poll_s)
            now = cpu_seconds(pids)
            if now - busy < 0.1 * poll_s:  # all of them together under a tenth of a core: idle
                return
            busy = now


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
        pick = torch.randperm(full.size, generator=self.gen)[: batches * full.batch_size].to(self.device)
        self.trainer.train = DeviceBatcher(
            full.images[pick],
            full.labels[pick],
            full.batch_size,
            full.device,
            full.resize,
            augment=full.augment,
            channels_last=full.channels_last,
            shard=full.shard,
        )
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
        with self.trainer.memory_policy():  # what Trainer.run trains inside
            if warmup:
                self._run(warmup)
            return self._run(batches)

    def describe(self) -> str:
        """The engine's choices, for the header."""
        return f"{self.precision}, channels_last={self.channels_last}, DeviceBatcher"


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_data_root(p)
    p.add_argument("--resize", type=int, default=96, help="image size; 0 keeps the native 28 px")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--batches", type=int, default=6, help="timed batches per chunk")
    p.add_argument("--warmup", type=int, default=2, help="untimed batches at the start of each chunk")
    p.add_argument("--rounds", type=int, default=5, help="chunks per side (alternating)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    p.add_argument(
        "--precision",
        default="auto",
        choices=SPECS["train.precision"].choices,
        help="the engine side's precision (the seed is always fp32, as written)",
    )
    p.add_argument("--workers", type=int, default=4, help="the seed's DataLoader workers (4 as in the chapter)")
    p.add_argument("--seed", type=int, default=0, help="random seed of both sides")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads of the training process, both sides (default: torch's choice)",
    )
    return p


def run_config(args: argparse.Namespace, root: Path) -> RunConfig:
    """The seed preset with the benchmark's data root, resize, batch size, device and precision."""
    base = get_preset("seed")
    return replace(
        base,
        data=replace(base.data, root=str(root), resize=args.resize),
        train=replace(
            base.train, batch_size=args.batch_size, device=args.device, precision=args.precision, seed=args.seed
        ),
    )


def serve_side(name: str, args: argparse.Namespace, root: Path, conn: Any) -> None:
    """A side's own process: build it, report ready, then run chunks on request until sent None."""
    try:
        if name in ("engine", "bare"):
            host_memory.share_main_arena()  # as the resnet-gui command does at its start
        if args.threads is not None:
            torch.set_num_threads(args.threads)
        # The chapter's 4 workers exceed a 2-CPU machine's cores; that is the baseline as written.
        warnings.filterwarnings("ignore", message="This DataLoader will create")
        cfg = run_config(args, root)
        device = resolve_device(args.device)
        side: SeedSide | EngineSide | BareSide
        if name == "seed":
            side = SeedSide(cfg, root, device, args.workers)
            about = f"fp32, DataLoader x{args.workers} workers"
        elif name == "bare":  # the engine's precision and memory format, nothing but the step
            side = BareSide(cfg, device, resolve_precision(args.precision, device), device.type in ("cpu", "cuda"))
            about = side.describe()
        else:
            side = EngineSide(cfg, load_fashion_mnist(root), args.seed)
            about = side.describe()
        conn.send(("ready", about, torch.get_num_threads(), str(device)))
        while (request := conn.recv()) is not None:
            conn.send(("chunk", *side.chunk(*request)))
    except Exception as e:  # noqa: BLE001 - reported to the parent, which stops the benchmark
        conn.send(("error", f"{type(e).__name__}: {e}"))


class SideProcess:
    """The parent's handle on one side's process."""

    def __init__(self, name: str, args: argparse.Namespace, root: Path) -> None:
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter, as a user would start
        self.name = name
        self.conn, child = ctx.Pipe()
        # Not a daemon: the seed side starts DataLoader worker processes of its own.
        self.process = ctx.Process(target=serve_side, args=(name, args, root, child), name=f"side-{name}")
        self.process.start()

    def receive(self) -> tuple:
        """The side's next message; raises if it failed."""
        message = self.conn.recv()
        if message[0] == "error":
            raise RuntimeError(f"the {self.name} side failed: {message[1]}")
        return message[1:]

    def chunk(self, warmup: int, batches: int) -> tuple[int, float]:
        """Images and seconds of one chunk, run in the side's process."""
        self.conn.send((warmup, batches))
        return self.receive()

    def close(self) -> None:
        """Let the process finish."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.terminate()


def main(argv: list[str] | None = None) -> int:
    """Run the alternating benchmark and print images/s per side, then ``speedup: X.XX``."""
    args = build_parser().parse_args(argv)
    root = fashion_mnist_root(args.data_root)
    if root is None:
        return 2
    steps = -(-60000 // args.batch_size)
    if args.warmup + args.batches > steps:
        print(f"error: --warmup + --batches must fit in one epoch ({steps} batches)", file=sys.stderr)
        return 2

    print(describe(), flush=True)
    names = ("seed", "engine", "bare")
    sides = {name: SideProcess(name, args, root) for name in names}
    try:
        about = {name: side.receive() for name, side in sides.items()}
        px = args.resize or 28
        cfg = run_config(args, root)
        threads, device = about["engine"][1], about["engine"][2]
        print(
            f"torch {torch.__version__}, device {device}, {threads} threads, {os.cpu_count()} CPUs; "
            f"ResNet-18 (seed), {px} px, batch {args.batch_size}, Adam {cfg.train.lr:g}"
        )
        print(" | ".join(f"{n}: {about[n][0]}" for n in names) + " (each side in its own process)")
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{args.rounds} rounds x ({args.warmup} warm-up + {args.batches} timed batches) per side", flush=True)

        rates: dict[str, list[float]] = {n: [] for n in names}
        for r in range(1, args.rounds + 1):
            order = names if r % 2 else names[::-1]
            for name in order:
                images, seconds = sides[name].chunk(args.warmup, args.batches)
                rates[name].append(images / seconds)
                print(
                    f"round {r} {name:6s}: {images / seconds:8.1f} img/s  ({images} images in {seconds:.2f} s)",
                    flush=True,
                )
    finally:
        for side in sides.values():
            side.close()

    seed_med, engine_med = statistics.median(rates["seed"]), statistics.median(rates["engine"])
    ratios = [e / s for e, s in zip(rates["engine"], rates["seed"], strict=False)]
    print(
        f"seed loop (fp32):   median {seed_med:8.1f} img/s  (min {min(rates['seed']):.1f}, "
        f"max {max(rates['seed']):.1f})"
    )
    print(
        f"engine:             median {engine_med:8.1f} img/s  "
        f"(min {min(rates['engine']):.1f}, max {max(rates['engine']):.1f})"
    )
    bare_med = statistics.median(rates["bare"])
    print(
        f"bare step (limit):  median {bare_med:8.1f} img/s  (min {min(rates['bare']):.1f}, "
        f"max {max(rates['bare']):.1f}); the engine runs at {engine_med / bare_med:.0%} of it"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("per-round speedups: " + ", ".join(f"{x:.2f}" for x in ratios))
    print(f"speedup: {engine_med / seed_med:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
