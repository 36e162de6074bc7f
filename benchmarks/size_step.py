"""Training steps of a preset's network at several image sizes: what progressive resizing saves per epoch.

Times whole training steps (the engine's precision for the CPU, channels_last, the preset's optimiser or
``--optimizer``, its label smoothing, random data, the preset's batch) of the preset's network on images of
each side, alternating sizes round by round in one process under the engine's host-memory policy, and prints
the median images/s of each size with its time per image against the largest size and its share of the pixels.

    python benchmarks/size_step.py [--preset accurate-cpu] [--optimizer sgd|muon|adam] [--sizes 28,24,20,16]
        [--rounds 6] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from machine import describe
from torch import nn

from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import SPECS, with_changes
from resnet_gui.settings.presets import PRESETS
from resnet_gui.training import small_map_conv
from resnet_gui.training.devices import resolve_precision
from resnet_gui.training.host_memory import reuse_freed_memory
from resnet_gui.training.optimisation import make_optimizer
from resnet_gui.training.precision import autocast

CL = torch.channels_last
STEPS = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="accurate-cpu", choices=sorted(PRESETS))
    parser.add_argument("--optimizer", choices=SPECS["train.optimizer"].choices, help="instead of the preset's")
    parser.add_argument("--sizes", default="28,24,20,16", help="image sides to time, the full size first")
    parser.add_argument("--rounds", type=int, default=6, help=f"alternating rounds of {STEPS} timed steps per size")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cfg = PRESETS[args.preset]
    if args.optimizer:
        cfg = with_changes(cfg, train={"optimizer": args.optimizer})
    device = torch.device("cpu")
    precision = resolve_precision(cfg.train.precision, device)
    print(describe())
    load = os.getloadavg()[0]
    print(f"{args.preset}, {cfg.train.optimizer}, {precision}, {args.threads} threads, load average {load:.2f}")
    sizes = [int(s) for s in args.sizes.split(",")]
    torch.manual_seed(0)
    net = build_model(cfg.model).to(memory_format=CL)
    if precision == "bf16":
        small_map_conv.use_small_map_weight_grads(net)
    optimizer = make_optimizer(net, cfg)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.train.label_smoothing)
    batch = cfg.train.batch_size
    data = {
        s: (torch.rand(batch, cfg.model.in_channels, s, s).contiguous(memory_format=CL), torch.randint(0, 10, (batch,)))
        for s in sizes
    }

    def step(side: int) -> None:
        x, y = data[side]
        with autocast(device, precision):
            loss = loss_fn(net(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    times: dict[int, list[float]] = {s: [] for s in sizes}
    with reuse_freed_memory():
        for side in sizes:  # warm-up: each size's kernels are chosen on first use
            for _ in range(3):
                step(side)
        for _ in range(args.rounds):
            for side in sizes:
                start = time.perf_counter()
                for _ in range(STEPS):
                    step(side)
                times[side].append((time.perf_counter() - start) / STEPS)
    full = statistics.median(times[sizes[0]])
    print(f"{'side':>6} {'img/s':>8} {'time/image vs ' + str(sizes[0]) + ' px':>22} {'pixel share':>12}")
    for side in sizes:
        median = statistics.median(times[side])
        print(f"{side:>4} px {batch / median:>8,.0f} {median / full:>22.2f} {(side / sizes[0]) ** 2:>12.2f}")


if __name__ == "__main__":
    main()
