"""Time to a test accuracy for every run in a run history: a sweep's trials compared on time, not only accuracy.

For each run: the settings that differ between the runs, the seconds its epochs took (training and each
epoch's test, as recorded) until the first epoch at or above ``--target``, that epoch, the best accuracy and
the run's epoch seconds in all. Data loading and start-up before the first epoch are not in the sum
(time_to_accuracy.py counts them), so the figures compare recipes on one machine. Then the median and worst
over the runs that differ only in their seed (one recipe's seeds).

    python benchmarks/runs_time_to.py RUNS.sqlite --target 0.94
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resnet_gui.runs.comparison import differing_texts
from resnet_gui.runs.store import RunStore


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs_db", type=Path, help="the run history (a sweep's --runs-db)")
    p.add_argument("--target", type=float, default=0.94, help="the test accuracy to reach")
    args = p.parse_args()
    store = RunStore(args.runs_db)
    runs = store.list()[::-1]
    configs = [run.config for run in runs]
    labels, recipe_names = differing_texts(configs), differing_texts(configs, leave_out=("train.seed",))
    recipes: dict[str, list[float | None]] = defaultdict(list)
    print(f"{'run':>4}  {'settings':48s} {'to ' + format(args.target, 'g'):>9} {'epoch':>5} {'best':>7} {'all s':>7}")
    for run, label, recipe in zip(runs, labels, recipe_names, strict=True):
        epochs = store.epochs(run.id)
        total, reached, at = 0.0, None, None
        for e in epochs:
            total += e.seconds
            if reached is None and e.test_acc is not None and e.test_acc >= args.target:
                reached, at = total, e.epoch
        best = max((e.test_acc for e in epochs if e.test_acc is not None), default=float("nan"))
        shown = f"{reached:9.1f}" if reached is not None else f"{'not':>9}"
        print(f"{run.id:4d}  {(label or run.name)[:48]:48s} {shown} {at or '-':>5} {best:7.4f} {total:7.1f}")
        recipes[recipe].append(reached)
    for name, times in recipes.items():
        if len(times) < 2:
            continue
        got = [t for t in times if t is not None]
        worst = f"{max(got):.1f} s" if len(got) == len(times) else f"not reached by {len(times) - len(got)}"
        median = f"{statistics.median(got):.1f} s" if got else "-"
        print(f"{name or 'all'}: {len(times)} runs, median {median}, worst {worst}")


if __name__ == "__main__":
    main()
