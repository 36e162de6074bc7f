"""What the window costs training: one recipe trained by `resnet-gui train` and by the window, alternating.

The window side is the real app, offscreen (docs/shots.py opens it), trained with its Train button; the
command-line side is `resnet-gui train --json`. Each side runs in a fresh process. Printed per round and
side: the epochs' images/s (the engine's own figure, as the Training tab and the run history show it),
and for the window the share of one core its GUI thread used while the run trained. Run it on a quiet
machine:

    python benchmarks/window_overhead.py --data-root ../shared/datasets       # fast-cpu, 2 epochs, 2 rounds
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def window_side(preset: str, epochs: int, sample: bool) -> dict[str, object]:
    """Train ``preset`` for ``epochs`` in the offscreen window; the epochs' images/s and the GUI thread's CPU share."""
    sys.path.insert(0, str(ROOT / "docs"))
    import shots  # sets up the offscreen app on throwaway files: import before Qt

    from resnet_gui.settings.config import with_values
    from resnet_gui.settings.presets import get_preset

    _app, win, _guard = shots.open_window(["light"])
    changes: dict[str, object] = {"train.epochs": epochs} | ({"data.dataset": "sample"} if sample else {})
    win.form.set_config(with_values(get_preset(preset), changes))
    start_wall, start_cpu = time.perf_counter(), time.thread_time()
    win.train_button.click()
    shots.wait(lambda: not win.training)
    wall, gui_cpu = time.perf_counter() - start_wall, time.thread_time() - start_cpu
    status = win.session.last_status
    rates = [e.images_per_s for e in win.session.history]
    win.shutdown()
    return {"status": str(status), "images_per_s": rates, "gui_core_share": gui_cpu / wall, "seconds": wall}


def cli_side(preset: str, epochs: int, sample: bool, folder: Path) -> dict[str, object]:
    """Train ``preset`` for ``epochs`` with `resnet-gui train --json` in a fresh process."""
    cmd = [sys.executable, "-m", "resnet_gui", "train", "--preset", preset, "--epochs", str(epochs)]
    cmd += ["--data", "sample"] if sample else []
    cmd += ["--json", "--runs-db", str(folder / "cli.sqlite")]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    epochs_seen = [json.loads(line) for line in out.splitlines() if line.startswith('{"epoch"')]
    return {
        "images_per_s": [e["images_per_s"] for e in epochs_seen],
        "seconds": time.perf_counter() - start,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-root", default=os.environ.get("RESNET_GUI_DATA", "../shared/datasets"))
    p.add_argument("--preset", default="fast-cpu")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--sample", action="store_true", help="train on the bundled sample (a quick check of the script)")
    p.add_argument("--window-side", action="store_true", help=argparse.SUPPRESS)  # the child that opens the window
    args = p.parse_args()
    os.environ["RESNET_GUI_DATA"] = str(Path(args.data_root).resolve())
    if args.window_side:
        print(json.dumps(window_side(args.preset, args.epochs, args.sample)))
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from machine import cpu_model

    print(f"cpu: {cpu_model()}, {os.cpu_count()} cores; {args.preset}, {args.epochs} epochs a side", flush=True)
    medians: dict[str, list[float]] = {"cli": [], "window": []}
    with tempfile.TemporaryDirectory(prefix="resnet-gui-overhead-") as tmp:
        for r in range(1, args.rounds + 1):
            cli = cli_side(args.preset, args.epochs, args.sample, Path(tmp))
            child = [sys.executable, __file__, "--window-side", "--preset", args.preset]
            child += ["--epochs", str(args.epochs), "--data-root", args.data_root] + (
                ["--sample"] if args.sample else []
            )
            lines = subprocess.run(child, capture_output=True, text=True, check=True).stdout.splitlines()
            window = json.loads(lines[-1])
            for side, result in (("cli", cli), ("window", window)):
                rates = [float(x) for x in result["images_per_s"]]  # type: ignore[attr-defined]
                medians[side].append(statistics.median(rates))
                extra = f", GUI thread {float(result['gui_core_share']):.0%} of a core" if side == "window" else ""
                shown = ", ".join(f"{x:,.0f}" for x in rates)
                print(f"round {r} {side:6}: epochs at {shown} img/s, {float(result['seconds']):.0f} s{extra}")
    cli_m, win_m = statistics.median(medians["cli"]), statistics.median(medians["window"])
    print(f"median: command line {cli_m:,.0f} img/s, window {win_m:,.0f} img/s: window/cli {win_m / cli_m:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
