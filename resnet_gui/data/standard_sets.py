"""The standard data sets through torchvision's on-disk layouts: Fashion-MNIST, MNIST, KMNIST, CIFAR-10.

Files missing under the data root are downloaded (with progress) from the same mirrors and with
the same checksums torchvision uses; the arrays are then read into uint8 tensors in one go.
"""

from __future__ import annotations

import gzip
import os
import pickle
import shutil
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .downloads import fetch
from ..errors import DataError
from ..training.events import Callback


@dataclass(frozen=True)
class IdxSpec:
    """An MNIST-format data set: four gzipped IDX files under ``<root>/<folder>/raw``."""

    label: str
    folder: str
    mirror: str
    files: tuple[tuple[str, str], ...]  # (gzipped file name, md5)
    classes: tuple[str, ...]
    mirror_env: str


def _idx_files(md5s: tuple[str, str, str, str]) -> tuple[tuple[str, str], ...]:
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz")
    return tuple(zip(names, md5s))


IDX_SETS: dict[str, IdxSpec] = {
    "fashion-mnist": IdxSpec(
        "Fashion-MNIST", "FashionMNIST", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        _idx_files(("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                        "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310")),
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        "RESNET_GUI_FASHION_MNIST_MIRROR"),
    "mnist": IdxSpec(
        "MNIST", "MNIST", "https://ossci-datasets.s3.amazonaws.com/mnist/",
        _idx_files(("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                        "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c")),
        tuple(str(i) for i in range(10)), "RESNET_GUI_MNIST_MIRROR"),
    "kmnist": IdxSpec(
        "KMNIST", "KMNIST", "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        _idx_files(("bdb82020997e1d708af4cf47b453dcf7", "e144d726b3acfaa3e44228e80efcd344",
                        "5c965bf0a639b31b8f53240b1b52f4d7", "7320c461ea6c1c855c0b718fb2a4b134")),
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"), "RESNET_GUI_KMNIST_MIRROR"),
}


def idx_present(spec: IdxSpec, root: Path) -> bool:
    """True when the four unpacked files are under ``root`` in torchvision's layout."""
    raw = root / spec.folder / "raw"
    return all((raw / name.removesuffix(".gz")).is_file() for name, _ in spec.files)


def _download_idx(spec: IdxSpec, root: Path, on_event: Callback | None, stop: threading.Event | None) -> None:
    raw = root / spec.folder / "raw"
    mirror = os.environ.get(spec.mirror_env, spec.mirror)
    for name, md5 in spec.files:
        unpacked = raw / name.removesuffix(".gz")
        if unpacked.is_file():
            continue
        packed = raw / name
        fetch(mirror + name, packed, md5, spec.label, on_event, stop)
        with gzip.open(packed, "rb") as src, tempfile.NamedTemporaryFile(dir=raw, delete=False) as dst:
            shutil.copyfileobj(src, dst)
        Path(dst.name).replace(unpacked)
        packed.unlink()


def load_idx(spec: IdxSpec, root: Path, on_event: Callback | None = None,
             stop: threading.Event | None = None) -> tuple[torch.Tensor, ...]:
    """(train images, train labels, test images, test labels), images uint8 (N, 1, 28, 28)."""
    from torchvision.datasets import MNIST

    if not idx_present(spec, root):
        _download_idx(spec, root, on_event, stop)
    out: list[torch.Tensor] = []
    for train in (True, False):
        try:
            # torchvision's MNIST reader with our folder name: the layouts are identical.
            ds = type(spec.folder, (MNIST,), {"mirrors": [spec.mirror], "resources": list(spec.files)})(
                str(root), train=train, download=False)
        except Exception as e:  # torchvision raises bare RuntimeError/AssertionError on bad files
            raise DataError(f"{spec.label} in {root / spec.folder / 'raw'} is unreadable ({type(e).__name__}: {e}). "
                            "Delete those files to download them again, or use the bundled sample.",
                            offer_sample=True) from None
        out += [ds.data.unsqueeze(1).contiguous(), ds.targets.long()]
    return tuple(out)


CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class _ArrayUnpickler(pickle.Unpickler):
    """Reads CIFAR's pickled batches but refuses anything beyond plain data and numpy arrays."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle's signature
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a data file")


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as f:
        d = _ArrayUnpickler(f, encoding="latin1").load()
    data = np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data, np.asarray(d["labels"], dtype=np.int64)


def load_cifar10(root: Path, on_event: Callback | None = None,
                 stop: threading.Event | None = None) -> tuple[torch.Tensor, ...]:
    """CIFAR-10 from ``root/cifar-10-batches-py`` (torchvision's layout), downloading it if missing."""
    folder = root / CIFAR10_FOLDER
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    if not all((folder / n).is_file() for n in names):
        archive = root / "cifar-10-python.tar.gz"
        fetch(CIFAR10_URL, archive, CIFAR10_MD5, "CIFAR-10", on_event, stop)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(root, filter="data")
        archive.unlink()
    try:
        parts = [_read_cifar_batch(folder / n) for n in names]
    except Exception as e:
        raise DataError(f"CIFAR-10 in {folder} is unreadable ({type(e).__name__}: {e}). Delete the folder to "
                        "download it again.", offer_sample=True) from None
    train_x = np.concatenate([p[0] for p in parts[:5]])
    train_y = np.concatenate([p[1] for p in parts[:5]])
    return (torch.from_numpy(train_x), torch.from_numpy(train_y),
            torch.from_numpy(parts[5][0]), torch.from_numpy(parts[5][1]))
