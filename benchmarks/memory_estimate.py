"""The memory estimate (``resnet_gui.model.memory``) against the peak memory training reaches on the CPU.

Each configuration trains in a fresh Python process (so no allocator state carries over from
another), through the real engine: ``Trainer`` on the bundled sample (6,000 training images),
for one epoch and its test (or ``--steps`` batches). The figure compared is the growth of the
process's peak resident set (VmHWM) over its resident set just before the ``Trainer`` is made:
the peak is reset then (``/proc/self/clear_refs``) so loading torch and the data does not count.
While training on the CPU the engine keeps freed host memory in the heap
(``training/host_memory.py``), so the resident set does not shrink between steps and its peak is
the most the heap held at once, fragmentation included; the peak varies from run to run by
several per cent (``--repeat``). ``--live`` measures the live peak instead (policy off, every
large block unmapped on free), to compare with what autograd keeps.

The data set is already in memory when the peak is reset, and the engine's own check leaves it out
on the CPU for the same reason, so the estimate compared has no data part.

Run from the repository root: ``python benchmarks/memory_estimate.py [--repeat 3] [--live]``
(Linux with glibc only).
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIGS: dict[str, dict[str, Any]] = {
    "seed-fp32": {
        "model": {},
        "data": {"resize": 96},
        "train": {"batch_size": 256, "optimizer": "adam", "precision": "fp32"},
    },
    "seed-bf16": {
        "model": {},
        "data": {"resize": 96},
        "train": {"batch_size": 256, "optimizer": "adam", "precision": "bf16"},
    },
    "fast-cpu": {
        "model": {"blocks": (1, 1, 1), "channels": 32, "stem": "small", "stem_pool": True},
        "data": {"resize": 0},
        "train": {"batch_size": 256, "optimizer": "sgd", "momentum": 0.9, "precision": "fp32"},
    },
    "fast-cpu-bf16": {
        "model": {"blocks": (1, 1, 1), "channels": 32, "stem": "small", "stem_pool": True},
        "data": {"resize": 0},
        "train": {"batch_size": 256, "optimizer": "sgd", "momentum": 0.9, "precision": "bf16"},
    },
}


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def unmap_freed_blocks() -> None:
    """From now on, serve every block of 64 KiB or more as its own mapping, returned to the system on free,
    so that the peak resident set is the peak of live memory (glibc; slower steps)."""
    import ctypes

    libc = ctypes.CDLL(None)
    libc.mallopt(-3, 64 * 1024)  # M_MMAP_THRESHOLD (setting it also stops glibc raising it by itself)
    libc.mallopt(-1, 64 * 1024)  # M_TRIM_THRESHOLD


def measure(name: str, steps: int, live: bool = False) -> dict[str, Any]:
    """Train config ``name`` for ``steps`` batches in this process; the estimate and the peak growth.

    ``live``: without the engine's host-memory policy, every large block unmapped on free.
    """
    import contextlib

    import torch

    from resnet_gui.data.datasets import load_dataset
    from resnet_gui.model.memory import estimate_memory, saved_bytes
    from resnet_gui.settings.config import RunConfig, with_changes
    from resnet_gui.training.engine import Trainer
    from resnet_gui.training.events import BatchEnd, Event

    spec = CONFIGS[name]
    cfg = with_changes(
        RunConfig(),
        model=spec["model"],
        data={"dataset": "sample", **spec["data"]},
        train={"epochs": 1, "device": "cpu", "seed": 0, **spec["train"]},
    )
    data = load_dataset(cfg.data)
    c, h, _ = data.train_x.shape[1:]
    side = cfg.data.resize or int(h)
    shape, t = (int(c), side, side), cfg.train
    estimate = estimate_memory(cfg.model, shape, t.batch_size, t.precision, t.optimizer, t.momentum)
    stop = threading.Event()
    seen: list[float] = []

    def on_event(event: Event) -> None:
        if isinstance(event, BatchEnd):
            seen.append(time.perf_counter())
            if steps and len(seen) >= steps:
                stop.set()

    if live:
        unmap_freed_blocks()
        Trainer.memory_policy = lambda _self: contextlib.nullcontext()  # type: ignore[method-assign]
    Path("/proc/self/clear_refs").write_text("5")  # the peak resident set starts again from here
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    Trainer(cfg, [on_event], stop, data=data, report_every_s=0.0).run()
    peak = _status_kb("VmHWM")
    return {
        "config": name,
        "threads": torch.get_num_threads(),
        "steps": len(seen),
        "seconds": round(time.perf_counter() - start, 1),
        "estimate": estimate.to_dict(),
        "saved_bytes": saved_bytes(cfg.model, shape, t.batch_size, t.precision),
        "measured_bytes": peak - before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument(
        "--steps",
        type=int,
        default=0,
        help="training batches per configuration (default: 0, a whole epoch and its test)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="fresh processes per configuration: the peak varies from run to run (default: 1)",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="measure the live peak instead: the engine's host-memory policy off and every block "
        "of 64 KiB or more unmapped on free (what autograd keeps should be most of it)",
    )
    parser.add_argument("--one", choices=CONFIGS, help=argparse.SUPPRESS)  # a child process's configuration
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.steps, args.live)))
        return
    import torch
    from machine import cpu_model  # torch is loaded by now: machine.py imports it

    from resnet_gui.model.memory import RUNTIME_BYTES, format_bytes

    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"cpu: {cpu_model()}; torch {torch.__version__}; python {platform.python_version()}"
        + ("; live peak (host-memory policy off, large blocks unmapped on free)" if args.live else "")
    )
    for name in args.configs:
        spec = CONFIGS[name]
        runs = []
        for _ in range(args.repeat):
            command = [sys.executable, __file__, "--one", name, "--steps", str(args.steps)]
            child = subprocess.run(
                command + (["--live"] if args.live else []), capture_output=True, text=True, check=True, cwd=ROOT
            )
            runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
        result, est = runs[0], runs[0]["estimate"]
        measured = sorted(r["measured_bytes"] for r in runs)
        errors = [(est["peak_bytes"] - m) / m * 100 for m in measured]
        fixed = est["parameters_bytes"] + est["gradients_bytes"] + est["optimizer_bytes"] + RUNTIME_BYTES["cpu"]
        print(
            f"{name}: model {spec['model'] or 'default (ResNet-18)'}, data {spec['data']}, train {spec['train']}; "
            f"{result['steps']} steps in {result['seconds']} s, {result['threads']} threads"
        )
        print(
            f"  estimate {format_bytes(est['peak_bytes'])} ({est['peak_bytes']:,} B: parameters "
            f"{est['parameters_bytes']:,}, gradients {est['gradients_bytes']:,}, "
            f"optimizer {est['optimizer_bytes']:,}, activations {est['activations_bytes']:,})"
        )
        print("  measured " + ", ".join(f"{format_bytes(m)} ({m:,} B)" for m in measured) + " peak RSS growth")
        print("  error " + ", ".join(f"{e:+.1f} %" for e in errors))
        factors = ", ".join(f"{(m - fixed) / result['saved_bytes']:.2f}" for m in measured)
        print(
            f"  autograd keeps {format_bytes(result['saved_bytes'])}; the growth beyond parameters, gradients, "
            f"optimizer state and the runtime's {format_bytes(RUNTIME_BYTES['cpu'])} is {factors} times that"
        )


if __name__ == "__main__":
    main()
