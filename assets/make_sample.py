"""Rebuild assets/fashion_mnist_sample.npz from a full Fashion-MNIST copy.

A stratified subset: the first 600 training and 100 test images of each class, in the original
order, so the sample keeps the real data's look and its class balance.

    python assets/make_sample.py --root ../shared/datasets
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from torchvision.datasets import FashionMNIST

PER_CLASS = {"train": 600, "test": 100}


def take(images: np.ndarray, labels: np.ndarray, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``per_class`` images of every class, kept in their original order."""
    keep = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        keep[np.flatnonzero(labels == c)[:per_class]] = True
    return images[keep], labels[keep]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="folder holding FashionMNIST/raw (torchvision's layout)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("fashion_mnist_sample.npz")))
    args = parser.parse_args()
    arrays: dict[str, np.ndarray] = {}
    for split, per_class in PER_CLASS.items():
        ds = FashionMNIST(args.root, train=(split == "train"), download=False)
        x, y = take(ds.data.numpy(), ds.targets.numpy().astype(np.uint8), per_class)
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = x, y
    arrays["class_names"] = np.array(FashionMNIST.classes)
    np.savez_compressed(args.out, **arrays)
    size = Path(args.out).stat().st_size
    print(
        f"wrote {args.out}: {len(arrays['train_labels'])} train, {len(arrays['test_labels'])} test, {size / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
