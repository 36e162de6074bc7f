"""The duration estimate against the real run, back to back, as a user of the command line gets them.

For each case: ``resnet-gui train --dry-run --fresh`` (times the configured network over a few
batches and caches it), then ``resnet-gui train`` with the same options, which records that
estimate with its run; the run's real duration (created to ended, as ``resnet-gui runs show``
says) is read back from a throwaway run history. Each command is a fresh process, as it is for a
user. The machine is shared: the load average is printed before and after each case.

    python benchmarks/estimate_accuracy.py --data-root ../shared/datasets  # seed (sample), fast-cpu, small
    python benchmarks/estimate_accuracy.py --data-root ../shared/datasets --cases small --repeat 3
    python benchmarks/estimate_accuracy.py --cases seed-full   # the seed recipe, one epoch of the full set

Prints one line per case and repetition, the last being a summary of the errors.
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

CASES = {
    # The seed's recipe (ResNet-18 at 96 px, float32), two epochs of the bundled sample: the network
    # and recipe whose time is hardest to guess, at a size that fits beside the others (its five
    # epochs of the full Fashion-MNIST take over an hour on a 2-core CPU).
    "seed": ["--preset", "seed", "--data", "sample", "--epochs", "2"],
    "seed-full": ["--preset", "seed", "--data", "fashion-mnist", "--epochs", "1"],
    "fast-cpu": ["--preset", "fast-cpu", "--data", "fashion-mnist"],
    # A small network on the bundled sample.
    "small": ["--data", "sample", "--blocks", "1,1", "--channels", "16", "--resize", "0", "--epochs", "10"],
}


def resnet_gui(args: list[str], env: dict[str, str]) -> str:
    """Run ``python -m resnet_gui ARGS`` and return its stdout (its stderr passes through)."""
    done = subprocess.run(
        [sys.executable, "-m", "resnet_gui", *args], env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return done.stdout


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def wait_for_quiet(percent: float) -> None:
    """Wait until the machine's CPU use over 5 s stays under ``percent`` (other agents share it)."""
    import psutil

    while (busy := psutil.cpu_percent(interval=5)) >= percent:
        print(f"  waiting: the CPU is {busy:.0f} % busy", flush=True)


def run_case(name: str, data_root: str, folder: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(estimate, real duration, the train command) of one case."""
    args = [*CASES[name], "--data-root", data_root]
    doc = json.loads(resnet_gui(["train", "--dry-run", "--fresh", "--json", *args], env))
    estimate = doc["estimate"]["seconds"]
    db = folder / f"{name}-{time.time_ns()}.sqlite"
    resnet_gui(["train", *args, "--runs-db", str(db)], env)
    shown = json.loads(resnet_gui(["runs", "show", "1", "--runs-db", str(db), "--json"], env))
    if shown["estimated_s"] is None or abs(shown["estimated_s"] - estimate) > 1e-6:
        raise SystemExit(f"{name}: the run recorded estimate {shown['estimated_s']}, not the dry run's {estimate}")
    return estimate, shown["duration_s"], "resnet-gui train " + " ".join(args)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-root", default=os.environ.get("RESNET_GUI_DATA", "../shared/datasets"))
    p.add_argument("--cases", default="seed,fast-cpu,small", help=f"comma-separated, of {', '.join(CASES)}")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--quiet", type=float, default=0, help="before each case, wait for CPU use under this %%")
    args = p.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import torch

    from resnet_gui.training.devices import device_name

    print(f"CPU: {device_name(torch.device('cpu'))}, {os.cpu_count()} cores, torch {torch.__version__}")
    errors = []
    with tempfile.TemporaryDirectory(prefix="resnet-gui-estimate-bench-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "RESNET_GUI_ESTIMATES": str(folder / "estimates.json")}
        for _ in range(args.repeat):
            for name in args.cases.split(","):
                if args.quiet:
                    wait_for_quiet(args.quiet)
                before = load()
                estimate, real, command = run_case(name, args.data_root, folder, env)
                error = (estimate - real) / real
                errors.append(error)
                print(
                    f"{name}: estimate {estimate:.1f} s, real {real:.1f} s, error {error:+.1%} "
                    f"(load {before} -> {load()}) :: {command} (after train --dry-run --fresh)",
                    flush=True,
                )
    worst = max(errors, key=abs)
    print(f"errors: {', '.join(f'{e:+.1%}' for e in errors)}; worst {worst:+.1%}")


if __name__ == "__main__":
    main()
