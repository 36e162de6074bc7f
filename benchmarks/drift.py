"""Does the engine hold its speed over a long run? Images/s minute by minute in one process.

Trains a preset (default: fast-cpu on the full Fashion-MNIST, about 16 s an epoch on a 2-core
CPU) through ``engine.fit`` for ``--minutes`` of wall time, as ``resnet-gui train`` would (the
same host-memory set-up), stopping it cooperatively at the end. From the engine's own progress
reports (``BatchEnd``, every 0.5 s) it takes the training images per second between reports, so
testing and checkpoints between epochs do not count, and prints each minute's median, then the
drift: the last minute's median against the second's (the first holds the warm-up).

    python benchmarks/drift.py --data-root ../shared/datasets                 # 20 minutes of fast-cpu
    python benchmarks/drift.py --preset seed --precision bf16 --minutes 20    # the seed's network

Quote it with the machine line it prints first, and the load average it prints at start and end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine import describe

from resnet_gui.settings.presets import get_preset
from resnet_gui.training import engine, host_memory
from resnet_gui.training.events import BatchEnd, Event


def main() -> int:
    """Train for the given minutes and print images/s per minute and the drift."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="fast-cpu")
    p.add_argument("--data-root", default=os.environ.get("RESNET_GUI_DATA", "../shared/datasets"))
    p.add_argument("--minutes", type=float, default=20.0)
    p.add_argument("--precision", default=None, help="override the preset's precision (auto, fp32, bf16)")
    args = p.parse_args()
    host_memory.share_main_arena()  # as the resnet-gui command does at its start
    print(describe(), flush=True)
    base = get_preset(args.preset)
    train = replace(base.train, epochs=1000, **({"precision": args.precision} if args.precision else {}))
    cfg = replace(base, data=replace(base.data, root=str(Path(args.data_root).resolve())), train=train)
    print(f"{args.preset}: {cfg.train.precision}, batch {cfg.train.batch_size}, {args.minutes:g} min", flush=True)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    stop = threading.Event()
    samples: list[tuple[float, float]] = []  # (seconds since start, images/s since the previous report)
    last: dict[str, float] = {}
    start = time.perf_counter()

    def on_event(event: Event) -> None:
        if not isinstance(event, BatchEnd):
            return
        now = time.perf_counter()
        if last.get("epoch") == event.epoch and event.batch > last["batch"]:
            images = (event.batch - last["batch"]) * cfg.train.batch_size
            samples.append((now - start, images / (now - last["at"])))
        last.update(epoch=event.epoch, batch=event.batch, at=now)
        if now - start >= args.minutes * 60:
            stop.set()

    engine.fit(cfg, [on_event], stop)
    minutes: dict[int, list[float]] = {}
    for t, rate in samples:
        minutes.setdefault(int(t // 60), []).append(rate)
    medians = {m: statistics.median(r) for m, r in sorted(minutes.items()) if len(r) >= 3}
    for m, med in medians.items():
        print(f"minute {m + 1:3d}: {med:8.1f} img/s ({len(minutes[m])} reports)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    keys = list(medians)
    if len(keys) < 3:
        print("too short to say: run at least 3 minutes")
        return 1
    second, final = medians[keys[1]], medians[keys[-1]]
    print(f"drift: {final / second - 1:+.1%} (minute {keys[-1] + 1} against minute {keys[1] + 1})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
