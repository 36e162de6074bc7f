"""Training steps of the fast-cpu network: the stem's pool after or before its BN, small-map gradients to 3x3 or 4x4.

Times whole bf16 training steps (autocast, channels_last, SGD with Nesterov momentum, label smoothing,
random data of 28 px, batch 256) of the fast-cpu preset's network in four variants, alternating
in one process under the engine's host-memory policy:

* ``pool after``: conv, BN, ReLU, pool (the stem as it was), small-map weight gradients on 3x3 outputs;
* ``pool first``: conv, pool, BN, ReLU (``model.pool_first``), the same gradients;
* each again with the small-map weight gradients on 4x4 outputs too (the last stage's two 3x3
  convolutions), as ``small_map_conv.takes_forward_weight_grad`` chooses on AMX CPUs.

Medians are printed, with each variant's ratio to ``pool after, 3x3``; the machine is noisy.

    python benchmarks/fast_cpu_step.py [--rounds 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from machine import describe
from torch import nn

from resnet_gui.model.resnet import build_model
from resnet_gui.settings.presets import PRESETS
from resnet_gui.training import small_map_conv
from resnet_gui.training.host_memory import reuse_freed_memory

CL = torch.channels_last
STEPS = 10


def variants() -> dict[str, tuple[nn.Module, bool]]:
    """name -> (network, small-map gradients on 4x4 outputs too), all from the same initial weights."""
    base = replace(PRESETS["fast-cpu"].model, pool_first=False)
    out = {}
    for name, cfg, four in (
        ("pool after, 3x3", base, False),
        ("pool after, 4x4", base, True),
        ("pool first, 3x3", replace(base, pool_first=True), False),
        ("pool first, 4x4", replace(base, pool_first=True), True),
    ):
        torch.manual_seed(0)
        net = build_model(cfg).to(memory_format=CL)
        small_map_conv.use_small_map_weight_grads(net)
        out[name] = (net, four)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help=f"alternating rounds of {STEPS} timed steps each")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(describe())
    print(f"torch {torch.__version__}, {args.threads} threads, load average {os.getloadavg()[0]:.2f}")
    torch.manual_seed(0)
    x = torch.rand(args.batch, 1, 28, 28).contiguous(memory_format=CL)
    y = torch.randint(0, 10, (args.batch,))
    nets = variants()
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    optims = {
        name: torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
        for name, (net, _) in nets.items()
    }

    def step(name: str) -> None:
        net, four = nets[name]
        small_map_conv.cpu_has_amx = lambda: four  # type: ignore[assignment]  # the threshold this variant uses
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = loss_fn(net(x), y)
        optims[name].zero_grad(set_to_none=True)
        loss.backward()
        optims[name].step()

    rates: dict[str, list[float]] = {name: [] for name in nets}
    with reuse_freed_memory():
        for r in range(args.rounds):
            for name in list(nets) if r % 2 == 0 else list(nets)[::-1]:
                step(name)  # untimed: another network's step ran last
                start = time.perf_counter()
                for _ in range(STEPS):
                    step(name)
                rates[name].append(STEPS * args.batch / (time.perf_counter() - start))
    base = rates["pool after, 3x3"]
    for name, values in rates.items():
        ratios = [v / b for v, b in zip(values, base, strict=True)]
        print(
            f"{name}: median {statistics.median(values):7.1f} img/s ({min(values):.0f}-{max(values):.0f}), "
            f"median ratio to pool after, 3x3: {statistics.median(ratios):.3f}"
        )
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
