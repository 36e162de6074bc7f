"""Where the benchmarks find the full Fashion-MNIST."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from resnet_gui.data.datasets import fashion_mnist_present, resolve_root

DATA_ROOT_HELP = "folder holding FashionMNIST/raw (default: env RESNET_GUI_DATA, else the user cache)"


def add_data_root(p: argparse.ArgumentParser) -> None:
    """The ``--data-root`` option every benchmark on the full Fashion-MNIST takes."""
    p.add_argument("--data-root", default=None, help=DATA_ROOT_HELP)


def fashion_mnist_root(data_root: str | None) -> Path | None:
    """The folder holding ``FashionMNIST/raw``, or None after telling stderr how to point at one."""
    root = resolve_root(data_root)
    if fashion_mnist_present(root):
        return root
    print(
        f"error: Fashion-MNIST not found in {root} (FashionMNIST/raw); pass --data-root or set RESNET_GUI_DATA",
        file=sys.stderr,
    )
    return None
