"""Muon's orthogonalisation: the app's Gram-matrix iteration against the reference iteration on X in bfloat16.

For each filter bank of a preset's network (a convolution's weight as out x in*kh*kw), times
``resnet_gui.training.muon.orthogonalise`` and the five quintic Newton-Schulz steps as Keller Jordan's
reference and ``torch.optim.Muon`` run them (on X itself, in bfloat16), alternating round by round, and
prints the medians of all banks together and each result's distance from the same iteration in float64.
The updates are Gaussian with columns scaled over two orders of magnitude, or real momenta saved with
``--updates FILE`` (a list of 2-D tensors, ``torch.save``'d).

    python benchmarks/muon_orthogonalise.py [--preset accurate-cpu] [--rounds 9] [--threads 2] [--updates F]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from machine import describe

from resnet_gui.model.resnet import build_model
from resnet_gui.settings.presets import PRESETS
from resnet_gui.training.muon import NS_COEFFICIENTS, NS_STEPS, orthogonalise


def iterate_on_x(update: torch.Tensor, dtype: torch.dtype = torch.bfloat16) -> torch.Tensor:
    """The reference: each step recomputes the Gram matrix from X and updates X, in ``dtype``."""
    a, b, c = NS_COEFFICIENTS
    x = update.to(dtype)
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / (x.norm() + 1e-7)
    for _ in range(NS_STEPS):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return (x.T if tall else x).float()


def banks(preset: str) -> list[torch.Tensor]:
    """A Gaussian update of each filter bank's shape, its columns scaled from 0.01 to 1."""
    net = build_model(PRESETS[preset].model)
    torch.manual_seed(0)
    shapes = [(len(p), p[0].numel()) for p in net.parameters() if p.ndim == 4]
    return [torch.randn(rows, cols) * torch.logspace(-2, 0, cols) for rows, cols in shapes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="accurate-cpu", choices=sorted(PRESETS))
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--updates", type=Path, help="torch.save'd list of 2-D updates instead of Gaussian ones")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    updates = [u.float() for u in torch.load(args.updates)] if args.updates else banks(args.preset)
    print(describe())
    print(f"{len(updates)} updates ({args.updates or args.preset}), {args.threads} threads")
    ways: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "on X, bfloat16 (reference)": iterate_on_x,
        "on the Gram matrix (the app's)": orthogonalise,
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for way in ways.values():  # warm-up
        for u in updates:
            way(u)
    for _ in range(args.rounds):
        for name, way in ways.items():
            start = time.perf_counter()
            for u in updates:
                way(u)
            times[name].append(1000 * (time.perf_counter() - start))
    exact = [iterate_on_x(u, torch.float64) for u in updates]
    print(f"{'iteration':<32} {'ms, all':>8} {'worst distance from float64':>28}")
    for name, way in ways.items():
        worst = max(float((way(u).float() - e).norm() / e.norm()) for u, e in zip(updates, exact, strict=True))
        print(f"{name:<32} {statistics.median(times[name]):>8.2f} {worst:>28.4f}")


if __name__ == "__main__":
    main()
