"""Accuracy parity: the seed's loop and the engine (fp32 and bf16) trained from the same start.

All three train the seed's ResNet-18 with Adam from identical initial weights (checked) on the
same random subset of Fashion-MNIST, for the same epochs, batch size and resize, and are tested
on the same test subset. What differs is what the engine changes: images resized as whole
batches on the device (F.interpolate, bilinear with antialias) instead of per image by PIL, the
shuffle order (its own generator instead of the DataLoader's), host reads, and (bf16) the
number format with channels_last. Also checked: how far the engine's input pixels are from the
seed's (PIL Resize + ToTensor) for the same images.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch
from bench_data import add_data_root, fashion_mnist_root
from seed_loop import load_data_fashion_mnist, train_ch5

from resnet_gui.data.batching import DeviceBatcher
from resnet_gui.data.datasets import DataSet, load_fashion_mnist
from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import RunConfig
from resnet_gui.settings.presets import get_preset
from resnet_gui.training.devices import resolve_device
from resnet_gui.training.engine import Trainer
from resnet_gui.training.events import EpochEnd, Event


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    add_data_root(p)
    p.add_argument("--train-images", type=int, default=8000, help="random training subset (60000: all)")
    p.add_argument("--test-images", type=int, default=5000, help="random test subset (10000: all)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--resize", type=int, default=96, help="image size; 0 keeps the native 28 px")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (the seed's)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    p.add_argument("--seed", type=int, default=0, help="seeds the weights and both subsets")
    p.add_argument("--sides", default="seed,fp32,bf16", help="which of seed, fp32, bf16 to run")
    return p


def subset(data: DataSet, train_idx: torch.Tensor, test_idx: torch.Tensor) -> DataSet:
    """The same data set restricted to the given training and test indices."""
    return replace(
        data,
        train_x=data.train_x[train_idx],
        train_y=data.train_y[train_idx],
        test_x=data.test_x[test_idx],
        test_y=data.test_y[test_idx],
    )


def input_difference(seed_loader: torch.utils.data.DataLoader, data: DataSet, resize: int) -> tuple[float, float]:
    """Max and mean |seed pixel - engine pixel| over the first 256 test-subset images, in [0, 1] units."""
    ds = seed_loader.dataset
    n = min(256, len(ds))
    seed_x = torch.stack([ds[i][0] for i in range(n)])
    engine_x = DeviceBatcher(data.test_x[:n], data.test_y[:n], n, torch.device("cpu"), resize).prepare(data.test_x[:n])
    diff = (seed_x - engine_x).abs()
    return float(diff.max()), float(diff.mean())


def main(argv: list[str] | None = None) -> int:
    """Train the three sides one after another and print their epoch numbers side by side."""
    args = build_parser().parse_args(argv)
    root = fashion_mnist_root(args.data_root)
    if root is None:
        return 2
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    if not sides or set(sides) - {"seed", "fp32", "bf16"}:
        print("error: --sides takes seed, fp32 and/or bf16", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    device = resolve_device(args.device)
    full = load_fashion_mnist(root)
    g = torch.Generator().manual_seed(args.seed)
    train_idx = torch.randperm(len(full.train_y), generator=g)[: args.train_images]
    test_idx = torch.randperm(len(full.test_y), generator=g)[: args.test_images]
    data = subset(full, train_idx, test_idx)
    base = get_preset("seed")
    cfg: RunConfig = replace(
        base,
        data=replace(base.data, root=str(root), resize=args.resize),
        train=replace(
            base.train, lr=args.lr, batch_size=args.batch_size, epochs=args.epochs, device=args.device, seed=args.seed
        ),
    )
    print(
        f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} threads; ResNet-18 (seed), "
        f"{args.resize or 28} px, batch {args.batch_size}, Adam {args.lr:g}, {args.epochs} epoch(s) on "
        f"{len(train_idx)} training images, tested on {len(test_idx)}; seed {args.seed}"
    )
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    train_iter, test_iter = load_data_fashion_mnist(
        args.batch_size,
        resize=args.resize or None,
        root=str(root),
        train_indices=train_idx.tolist(),
        test_indices=test_idx.tolist(),
    )
    max_d, mean_d = input_difference(test_iter, data, args.resize)
    print(f"input pixels, engine vs seed (PIL): max |diff| {max_d:.4f}, mean |diff| {mean_d:.5f}", flush=True)

    torch.manual_seed(args.seed)
    seed_net = build_model(cfg.model)
    initial = {k: v.clone() for k, v in seed_net.state_dict().items()}
    results: dict[str, list[tuple[float, float, float, float]]] = {}
    if "seed" in sides:
        print("--- seed loop (fp32, DataLoader, per-batch .item())", flush=True)
        optimizer = torch.optim.Adam(seed_net.parameters(), lr=args.lr)
        history = train_ch5(seed_net, train_iter, test_iter, args.batch_size, optimizer, device, args.epochs)
        results["seed"] = [(h.loss, h.train_acc, h.test_acc, h.seconds) for h in history]

    for precision in ("fp32", "bf16"):
        if precision not in sides:
            continue
        print(f"--- engine ({precision})", flush=True)
        lines: list[EpochEnd] = []

        def on_event(event: Event, lines: list[EpochEnd] = lines) -> None:
            if isinstance(event, EpochEnd):
                lines.append(event)
                print(event.line(), flush=True)

        run_cfg = replace(cfg, train=replace(cfg.train, precision=precision))
        trainer = Trainer(run_cfg, callbacks=[on_event], data=data)
        same = all(torch.equal(v.cpu(), initial[k]) for k, v in trainer.net.state_dict().items())
        print(f"initial weights identical to the seed side's: {same}", flush=True)
        trainer.run()
        results[precision] = [(e.loss, e.train_acc, e.test_acc, e.seconds) for e in lines]

    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'side':12s} {'epoch':>5s} {'loss':>8s} {'train acc':>10s} {'test acc':>9s} {'time s':>8s}")
    for name, rows in results.items():
        for i, (loss, train_acc, test_acc, seconds) in enumerate(rows, start=1):
            print(f"{name:12s} {i:5d} {loss:8.4f} {train_acc:10.4f} {test_acc:9.4f} {seconds:8.1f}")
    final = {name: rows[-1][2] for name, rows in results.items()}
    print("parity: final test acc " + ", ".join(f"{k} {v:.4f}" for k, v in final.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
