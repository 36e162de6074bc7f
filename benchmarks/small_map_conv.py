"""Weight gradients of 3x3 convolutions: oneDNN's kernel against a forward convolution (small_map_conv).

Part 1 times, for each 3x3 layer shape of the seed's ResNet-18 at 96 px (and of the fast-cpu
network at 28 px), the weight gradient alone as ``aten.convolution_backward`` computes it and as
``small_map_conv._weight_grad`` does, in bf16 and float32, batch 256, channels_last. This is what
``small_map_conv.takes_forward_weight_grad`` is chosen from.

Part 2 times whole bf16 training steps (autocast, channels_last, Adam, random data) of the seed's
ResNet-18 at 96 px, plain against converted by ``use_small_map_weight_grads``, alternating in one
process, inside the engine's host-memory policy. Medians are printed; the machine is noisy.

    python benchmarks/small_map_conv.py [--rounds 6] [--threads 2] [--skip-layers]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
import torch.nn.functional as F

from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import ModelConfig
from resnet_gui.training.host_memory import reuse_freed_memory
from resnet_gui.training.small_map_conv import _weight_grad, use_small_map_weight_grads

CL = torch.channels_last
# (in channels, out channels, input size, stride): ResNet-18 at 96 px, its 4x4 outputs at 64 and 128 px,
# then the fast-cpu net at 28 px.
LAYERS = [
    (64, 64, 24, 1),
    (64, 128, 24, 2),
    (128, 128, 12, 1),
    (128, 256, 12, 2),
    (256, 256, 6, 1),
    (256, 512, 6, 2),
    (512, 512, 3, 1),
    (128, 256, 8, 2),
    (256, 512, 8, 2),
    (256, 256, 4, 1),
    (512, 512, 4, 1),
    (32, 64, 14, 2),
    (64, 64, 7, 1),
    (64, 128, 7, 2),
    (128, 128, 4, 1),
]


def median_ms(fn: Callable[[], object], repeats: int = 7) -> float:
    """Median wall time of ``fn`` in milliseconds, after two untimed calls."""
    fn(), fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def layer_times(batch: int) -> None:
    """Part 1: the two weight gradients, layer shape by layer shape."""
    print("dtype    layer (in->out, input px, stride)   out px   oneDNN ms   forward-conv ms   ratio")
    for dtype in (torch.bfloat16, torch.float32):
        for cin, cout, size, stride in LAYERS:
            x = torch.randn(batch, cin, size, size, dtype=dtype).contiguous(memory_format=CL)
            w = torch.randn(cout, cin, 3, 3, dtype=dtype).contiguous(memory_format=CL)
            gy = torch.randn_like(F.conv2d(x, w, stride=stride, padding=1)).contiguous(memory_format=CL)
            onednn = median_ms(
                lambda x=x, w=w, gy=gy, stride=stride: torch.ops.aten.convolution_backward(
                    gy, x, w, None, [stride] * 2, [1, 1], [1, 1], False, [0, 0], 1, [False, True, False]
                )
            )
            ours = median_ms(lambda x=x, gy=gy, stride=stride: _weight_grad(x, gy, 3, stride, 1))
            name = str(dtype).removeprefix("torch.")
            side = gy.shape[-1]
            print(
                f"{name:8s} {cin:4d}->{cout:<4d} {size:3d} px  s{stride}              {side:2d}x{side:<2d}"
                f"   {onednn:9.2f}   {ours:15.2f}   {ours / onednn:5.2f}",
                flush=True,
            )


def step_times(rounds: int, batch: int) -> None:
    """Part 2: whole bf16 training steps of the seed's network, plain and converted, alternating."""
    torch.manual_seed(0)
    x = torch.rand(batch, 1, 96, 96).contiguous(memory_format=CL)
    y = torch.randint(0, 10, (batch,))
    nets = {}
    for name in ("plain", "converted"):
        torch.manual_seed(0)
        nets[name] = build_model(ModelConfig()).to(memory_format=CL)
    print(f"converted 3x3 convolutions: {use_small_map_weight_grads(nets['converted'])}")
    optims = {name: torch.optim.Adam(net.parameters(), 1e-3) for name, net in nets.items()}

    def step(name: str) -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = F.cross_entropy(nets[name](x), y)
        optims[name].zero_grad(set_to_none=True)
        loss.backward()
        optims[name].step()

    rates: dict[str, list[float]] = {name: [] for name in nets}
    with reuse_freed_memory():
        for r in range(rounds):
            for name in list(nets) if r % 2 == 0 else list(nets)[::-1]:
                step(name)  # untimed: the other network's step ran last
                start = time.perf_counter()
                for _ in range(3):
                    step(name)
                rates[name].append(3 * batch / (time.perf_counter() - start))
    for name, values in rates.items():
        rounds = ", ".join(f"{v:.1f}" for v in values)
        print(f"{name:9s} img/s: {rounds}   median {statistics.median(values):.1f}")
    ratios = [c / p for p, c in zip(rates["plain"], rates["converted"], strict=False)]
    print("per-round converted/plain: " + ", ".join(f"{r:.3f}" for r in ratios))
    print(f"step speedup: {statistics.median(ratios):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds of 3 timed steps each")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--skip-layers", action="store_true", help="only the whole training steps")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, load average {os.getloadavg()[0]:.2f}")
    if not args.skip_layers:
        layer_times(args.batch)
    step_times(args.rounds, args.batch)
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
