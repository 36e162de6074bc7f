"""Two CPU runs started one after the other: sharing the cores (``core_share``) against each taking them all.

Each round starts one ``resnet-gui train --json`` run, waits ``--delay`` seconds, starts a second, and
waits for both; once as the app runs them (every CPU run uses its share of the cores) and once with
the sharing switched off in both processes (torch's default: a thread per core each), alternating.
Prints each run's images/s per epoch and the wall time for both.

    python benchmarks/core_share.py --data-root ../shared/datasets [--rounds 2] [--epochs 2] [--delay 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parent.parent
# The CLI with CoreShare.adjust doing nothing: each run keeps the thread count it started with.
UNSHARED = (
    "import sys\n"
    "from resnet_gui.training import core_share\n"
    "core_share.CoreShare.adjust = lambda self, force=False: None\n"
    "from resnet_gui.cli.main import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def start(args: argparse.Namespace, shared: bool, seed: int, db: Path) -> subprocess.Popen[str]:
    train = ["train", "--preset", args.preset, "--epochs", str(args.epochs), "--seed", str(seed), "--json"]
    train += ["--runs-db", str(db), "--data-root", args.data_root]
    cmd = [sys.executable, "-m", "resnet_gui", *train] if shared else [sys.executable, "-c", UNSHARED, *train]
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def rates(proc: subprocess.Popen[str]) -> list[float]:
    out, _ = proc.communicate()
    return [json.loads(line)["images_per_s"] for line in out.splitlines() if '"epoch"' in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--preset", default="fast-cpu")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--delay", type=float, default=20.0, help="seconds between the two runs' starts")
    args = parser.parse_args()
    print(describe())
    print(f"load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for shared in (True, False) if r % 2 == 0 else (False, True):
                begin = time.perf_counter()
                first = start(args, shared, 1, Path(tmp) / f"{r}-{shared}.sqlite")
                time.sleep(args.delay)
                second = start(args, shared, 2, Path(tmp) / f"{r}-{shared}-b.sqlite")
                a, b = rates(first), rates(second)
                wall = time.perf_counter() - begin
                side = "shared  " if shared else "unshared"
                print(
                    f"round {r + 1} {side}: both done in {wall:6.1f} s; first run's epochs "
                    f"{', '.join(f'{v:,.0f}' for v in a)} img/s, second's {', '.join(f'{v:,.0f}' for v in b)}",
                    flush=True,
                )
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
