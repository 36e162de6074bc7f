"""What a benchmark ran on, and the physical limit of its training step (imported by the benchmarks).

* ``describe()``: the CPU model, its cores, torch's ATen kernel level and the instruction set
  oneDNN (PyTorch's CPU convolution library) says it uses, e.g. "Intel AVX10.1 and Intel AMX with
  bfloat16". The same model's bf16 speed differs 2x between an AMX Xeon and an AVX512-BF16 EPYC,
  so a figure without this line cannot be compared with another.
* ``BareSide``: the network's forward, backward and optimiser step on one fixed batch already on
  the device, under the engine's host-memory policy, nothing else (no data pipeline, no
  augmentation, no host reads, no bookkeeping): the fastest a plain training loop goes on this
  machine with this precision. The engine's figure as a
  fraction of it says what is left to gain outside the model's own compute.

    python benchmarks/machine.py                    # the description and the bare step, fp32 and bf16
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import RunConfig
from resnet_gui.settings.presets import get_preset
from resnet_gui.training import host_memory
from resnet_gui.training.devices import device_name, resolve_precision

# A convolution big enough that oneDNN handles it, run with its verbose log on: its "isa:" line.
_ISA_PROBE = (
    "import torch\n"
    "x = torch.randn(8, 64, 56, 56); conv = torch.nn.Conv2d(64, 64, 3, padding=1)\n"
    "with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):\n"
    "    conv(x)\n"
)


def cpu_model() -> str:
    """The CPU's model name ("Intel(R) Xeon(R) Processor"), from /proc/cpuinfo where there is one."""
    return device_name(torch.device("cpu"))


def onednn_isa() -> str:
    """The instruction set oneDNN uses here, read from its verbose log in a fresh process."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _ISA_PROBE], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    for line in done.stdout.splitlines():
        if ",isa:" in line:
            return line.split(",isa:", 1)[1].strip()
    return "unknown (oneDNN printed no isa line)"


def describe() -> str:
    """One line: CPU model, cores, torch, ATen's kernel level, oneDNN's instruction set, what "auto" trains in."""
    return (
        f"CPU: {cpu_model()}, {os.cpu_count()} cores; torch {torch.__version__}, "
        f"ATen {torch.backends.cpu.get_cpu_capability()}, oneDNN: {onednn_isa()}; "
        f"precision auto on the CPU: {resolve_precision('auto', torch.device('cpu'))}"
    )


class BareSide:
    """The model's training step on one fixed, device-resident batch: the machine's limit."""

    def __init__(
        self, cfg: RunConfig, device: torch.device, precision: str, channels_last: bool, compiled: bool = False
    ) -> None:
        torch.manual_seed(cfg.train.seed or 0)
        px = cfg.data.resize or 28
        self.net = build_model(cfg).to(device)
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.net = self.net.to(memory_format=fmt)
        self.compiled = compiled
        if compiled:  # the network only (the optimiser step stays eager); the first steps compile
            self.net = torch.compile(self.net)  # type: ignore[assignment]
        self.x = torch.randn(cfg.train.batch_size, 1, px, px, device=device).to(memory_format=fmt)
        self.y = torch.randint(0, 10, (cfg.train.batch_size,), device=device)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=cfg.train.lr)
        self.loss = nn.CrossEntropyLoss()
        self.device, self.precision, self.channels_last = device, precision, channels_last

    def _step(self) -> None:
        cast = torch.autocast(self.device.type, dtype=torch.bfloat16) if self.precision == "bf16" else nullcontext()
        with cast:
            loss = self.loss(self.net(self.x), self.y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()

    def chunk(self, warmup: int, batches: int) -> tuple[int, float]:
        """Images and seconds of ``batches`` steps after ``warmup`` untimed ones."""
        # The engine's host-memory policy too: without it, returning freed memory to the system
        # and faulting it back costs the bare loop more than the engine's whole data pipeline.
        with host_memory.reuse_freed_memory():
            return self._chunk(warmup, batches)

    def _chunk(self, warmup: int, batches: int) -> tuple[int, float]:
        self.net.train()
        for _ in range(warmup):
            self._step()
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(batches):
            self._step()
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return batches * self.x.shape[0], time.perf_counter() - start

    def describe(self) -> str:
        """For the header."""
        compiled = ", torch.compile" if self.compiled else ""
        return (
            f"bare step, {self.precision}, channels_last={self.channels_last}{compiled}, "
            f"one fixed batch of {self.x.shape[0]}"
        )


def main() -> int:
    """Print the machine's description and the bare step's images/s in fp32 and bf16 (median of rounds)."""
    p = argparse.ArgumentParser(description="The machine and the bare training step of the seed's ResNet-18.")
    p.add_argument("--resize", type=int, default=96)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--batches", type=int, default=4)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--compile", action="store_true", help="also the bf16 step with the network torch.compile'd")
    p.add_argument(
        "--larger-batches",
        default="",
        help="also the bf16 step at these batch sizes, e.g. 512,1024 (more work per thread per step)",
    )
    args = p.parse_args()
    host_memory.share_main_arena()  # as the resnet-gui command does at its start
    print(describe(), flush=True)
    base = get_preset("seed")
    cfg = replace(
        base, data=replace(base.data, resize=args.resize), train=replace(base.train, batch_size=args.batch_size)
    )
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sides = [BareSide(cfg, device, precision, channels_last=True) for precision in ("fp32", "bf16")]
    if args.compile:
        sides.append(BareSide(cfg, device, "bf16", channels_last=True, compiled=True))
    for size in (int(b) for b in args.larger_batches.split(",") if b.strip()):
        larger = replace(cfg, train=replace(cfg.train, batch_size=size))
        sides.append(BareSide(larger, device, "bf16", channels_last=True))
    rates: list[list[float]] = [[] for _ in sides]
    for side in sides:  # warm-up (and compilation) before any timing
        start = time.perf_counter()
        side.chunk(2, 0)
        print(f"{side.describe()}: warm-up {time.perf_counter() - start:.1f} s", flush=True)
    for _ in range(args.rounds):  # the sides alternate, so drift in the machine's load hits all alike
        for side, side_rates in zip(sides, rates, strict=True):
            images, seconds = side.chunk(0, args.batches)
            side_rates.append(images / seconds)
    for side, side_rates in zip(sides, rates, strict=True):
        print(f"{side.describe()}: median {statistics.median(side_rates):.1f} img/s over {args.rounds} rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
