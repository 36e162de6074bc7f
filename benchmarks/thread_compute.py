"""Does a training step compute slower outside the main thread? (The window trains in a thread of its own.)

    python benchmarks/thread_compute.py              # each variant in a fresh process, two rounds
    python benchmarks/thread_compute.py --no-arena   # without the app's shared malloc arena

Times 30 bf16 channels_last forward and backward passes of two 32-channel 3x3 convolutions at 28 px,
batch 256 (the fast-cpu network's first stage), after one warm-up pass, in the main thread, a
``threading.Thread`` and a ``QThread``, with ``host_memory`` set up as the app sets it up. Prints the
wall time, user and system CPU time and minor page faults of each pass.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import threading
import time

VARIANTS = ("main", "thread", "qthread")


def measure(variant: str, arena: bool, passes: int) -> None:
    """Run the passes in ``variant`` and print one line per pass (in a process of its own)."""
    import torch
    from torch import nn

    from resnet_gui.training import host_memory

    if arena:
        host_memory.share_main_arena()
    from PySide6.QtCore import QCoreApplication, QThread

    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1)
    ).to(memory_format=torch.channels_last)
    x = torch.randn(256, 32, 28, 28).to(memory_format=torch.channels_last)

    def steps() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            for _ in range(30):
                net(x).float().sum().backward()

    def body() -> None:
        with host_memory.reuse_freed_memory():
            steps()
            for _ in range(passes):
                r0, w0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
                steps()
                r1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - w0
                print(
                    f"{variant:8} wall {wall:.2f} s  user {r1.ru_utime - r0.ru_utime:.2f} s  "
                    f"sys {r1.ru_stime - r0.ru_stime:.2f} s  minor faults {r1.ru_minflt - r0.ru_minflt}",
                    flush=True,
                )

    app = QCoreApplication([])
    if variant == "main":
        body()
    elif variant == "thread":
        worker = threading.Thread(target=body)
        worker.start()
        worker.join()
    else:

        class Worker(QThread):
            def run(self) -> None:
                body()

        qworker = Worker()
        qworker.start()
        qworker.wait()
    del app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-arena", action="store_true", help="leave glibc's per-thread arenas on")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of all variants (default 2)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes per process (default 3)")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # one process's part
    args = parser.parse_args(argv)
    if args.variant:
        measure(args.variant, not args.no_arena, args.passes)
        return
    from machine import cpu_model

    print(f"CPU: {cpu_model()}", flush=True)
    for _ in range(args.rounds):
        for variant in VARIANTS:
            cmd = [sys.executable, __file__, "--variant", variant, "--passes", str(args.passes)]
            subprocess.run([*cmd, *(["--no-arena"] if args.no_arena else [])], check=True)


if __name__ == "__main__":
    main()
