"""Data sets as whole uint8 tensors: the bundled sample, the standard sets, folders of your own images.

Images come back as one (N, C, H, W) uint8 tensor per split, never as per-image Python
objects: the engine moves them to the training device once and batches them there.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import DataError
from ..settings.config import STANDARD_SETS, DataConfig
from ..training.events import Callback
from .image_folder import read_folder
from .standard_sets import (
    CIFAR10_CLASSES,
    IDX_SETS,
    idx_present,
    load_cifar10,
    load_idx,
)

SAMPLE_FILE = "fashion_mnist_sample.npz"


@dataclass(frozen=True)
class DataSet:
    """Both splits as uint8 image tensors (N, C, H, W) and int64 labels, with class names."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    class_names: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # unreadable files left out (image folders), each "path: reason"
    notes: tuple[str, ...] = ()  # what the user should know about how it was read (a rebuilt cache)
    # An image folder's files (relative to it) in the order of the arrays, and those its exclude list left out.
    train_files: tuple[str, ...] = ()
    test_files: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def channels(self) -> int:
        return int(self.train_x.shape[1])

    @property
    def image_size(self) -> int:
        return int(self.train_x.shape[-1])


def resolve_root(root: str | None) -> Path:
    """Where the standard data sets are: ``root`` if given, else env RESNET_GUI_DATA, else the user's cache dir."""
    if root:
        return Path(root).expanduser()
    env = os.environ.get("RESNET_GUI_DATA")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("resnet-gui")) / "datasets"


def assets_dir() -> Path:
    """The bundled assets: env RESNET_GUI_ASSETS, else inside the installed package, else the checkout's."""
    env = os.environ.get("RESNET_GUI_ASSETS")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]
    installed = package / "_assets"  # where a wheel puts the top-level assets/ (pyproject's force-include)
    return installed if (installed / SAMPLE_FILE).is_file() else package.parent / "assets"


def load_sample() -> DataSet:
    """The bundled stratified subset of Fashion-MNIST (600 train and 100 test images per class)."""
    path = assets_dir() / SAMPLE_FILE
    try:
        with np.load(path) as z:
            arrays = {k: z[k] for k in ("train_images", "train_labels", "test_images", "test_labels", "class_names")}
    except FileNotFoundError:
        raise DataError(
            f"The bundled sample is missing: {path} not found. Reinstall resnet-gui "
            "or set RESNET_GUI_ASSETS to the folder holding it."
        ) from None
    except (OSError, ValueError, KeyError) as e:
        raise DataError(
            f"The bundled sample {path} is unreadable ({e}). Rebuild it with assets/make_sample.py."
        ) from None
    return DataSet(
        "sample",
        torch.from_numpy(arrays["train_images"]).unsqueeze(1),
        torch.from_numpy(arrays["train_labels"].astype(np.int64)),
        torch.from_numpy(arrays["test_images"]).unsqueeze(1),
        torch.from_numpy(arrays["test_labels"].astype(np.int64)),
        tuple(str(c) for c in arrays["class_names"]),
    )


def load_standard(
    name: str, root: Path, on_event: Callback | None = None, stop: threading.Event | None = None
) -> DataSet:
    """Fashion-MNIST, MNIST, KMNIST or CIFAR-10 from ``root``, downloading what is missing."""
    classes: tuple[str, ...]
    if name == "cifar10":
        parts, classes = load_cifar10(root, on_event, stop), CIFAR10_CLASSES
    else:
        spec = IDX_SETS[name]
        parts, classes = load_idx(spec, root, on_event, stop), spec.classes
    train_x, train_y, test_x, test_y = parts
    ds = DataSet(name, train_x, train_y, test_x, test_y, classes)
    if ds.train_x.shape[2:] != ds.test_x.shape[2:] or len(ds.train_x) != len(ds.train_y):
        raise DataError(f"{name} in {root} has unexpected shapes; delete it to download again.", offer_sample=True)
    return ds


def fashion_mnist_present(root: Path) -> bool:
    """True when the unpacked Fashion-MNIST files are under ``root`` (nothing to download)."""
    return idx_present(IDX_SETS["fashion-mnist"], root)


def load_fashion_mnist(root: Path, on_event: Callback | None = None) -> DataSet:
    """Fashion-MNIST from ``root``, downloading what is missing."""
    return load_standard("fashion-mnist", root, on_event)


def check_dataset(ds: DataSet) -> None:
    """Raise DataError when the tensors are inconsistent: shapes, dtypes, labels out of range."""
    for split, x, y in (("training", ds.train_x, ds.train_y), ("test", ds.test_x, ds.test_y)):
        if x.dtype != torch.uint8 or x.dim() != 4 or len(x) != len(y) or len(y) == 0:
            raise DataError(
                f"The {split} split of {ds.name} is malformed: images {tuple(x.shape)} "
                f"({x.dtype}), labels {tuple(y.shape)}. Reload or rebuild the data."
            )
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= len(ds.class_names):
            raise DataError(
                f"The {split} labels of {ds.name} run from {lo} to {hi}, outside the "
                f"{len(ds.class_names)} classes: the data is corrupt."
            )


def load_image_folder(
    cfg: DataConfig, on_event: Callback | None = None, stop: threading.Event | None = None, exclude: bool = True
) -> DataSet:
    """A folder of class subfolders (see ``image_folder``) as a DataSet, without the images on its
    exclude list (unless not ``exclude``)."""
    f = read_folder(cfg, on_event, stop, exclude)
    return DataSet(
        "folder",
        torch.from_numpy(f.train_x),
        torch.from_numpy(f.train_y),
        torch.from_numpy(f.test_x),
        torch.from_numpy(f.test_y),
        f.classes,
        f.skipped,
        f.notes,
        f.train_files,
        f.test_files,
        f.excluded,
    )


def load_dataset(cfg: DataConfig, on_event: Callback | None = None, stop: threading.Event | None = None) -> DataSet:
    """The data set ``cfg`` names, as uint8 tensors on the CPU."""
    if cfg.dataset == "sample":
        return load_sample()
    if cfg.dataset in STANDARD_SETS:
        return load_standard(cfg.dataset, resolve_root(cfg.root), on_event, stop)
    if cfg.dataset == "folder":
        return load_image_folder(cfg, on_event, stop)
    raise DataError(f"Unknown data set {cfg.dataset!r}: choose one of sample, {', '.join(STANDARD_SETS)}, folder.")
