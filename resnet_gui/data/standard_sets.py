"""The standard data sets through torchvision's on-disk layouts: Fashion-MNIST, MNIST, KMNIST, CIFAR-10.

Files missing under the data root are downloaded (with progress) from the same mirrors and with
the same checksums torchvision uses; the arrays are then read into uint8 tensors in one go.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from ..errors import DataError
from ..training.events import Callback
from .downloads import exclusive, fetch


@dataclass(frozen=True)
class IdxSpec:
    """An MNIST-format data set: four gzipped IDX files under ``<root>/<torchvision_class>/raw``."""

    label: str
    torchvision_class: str  # the torchvision.datasets class that reads it; it names the folder too
    mirror: str
    files: tuple[tuple[str, str], ...]  # (gzipped file name, md5)
    classes: tuple[str, ...]
    mirror_env: str

    @property
    def folder(self) -> str:
        """The folder under the data root, torchvision's: the class name."""
        return self.torchvision_class


def _idx_files(md5s: tuple[str, str, str, str]) -> tuple[tuple[str, str], ...]:
    names = (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    )
    return tuple(zip(names, md5s, strict=True))


IDX_SETS: dict[str, IdxSpec] = {
    "fashion-mnist": IdxSpec(
        "Fashion-MNIST",
        "FashionMNIST",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        _idx_files(
            (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            )
        ),
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        "RESNET_GUI_FASHION_MNIST_MIRROR",
    ),
    "mnist": IdxSpec(
        "MNIST",
        "MNIST",
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        _idx_files(
            (
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "d53e105ee54ea40749a09fcbcd1e9432",
                "9fb629c4189551a2d022fa330f9573f3",
                "ec29112dd5afa0611ce80d1b7f02629c",
            )
        ),
        tuple(str(i) for i in range(10)),
        "RESNET_GUI_MNIST_MIRROR",
    ),
    "kmnist": IdxSpec(
        "KMNIST",
        "KMNIST",
        "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        _idx_files(
            (
                "bdb82020997e1d708af4cf47b453dcf7",
                "e144d726b3acfaa3e44228e80efcd344",
                "5c965bf0a639b31b8f53240b1b52f4d7",
                "7320c461ea6c1c855c0b718fb2a4b134",
            )
        ),
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        "RESNET_GUI_KMNIST_MIRROR",
    ),
}


def idx_present(spec: IdxSpec, root: Path) -> bool:
    """True when the four unpacked files are under ``root`` in torchvision's layout."""
    raw = root / spec.folder / "raw"
    return all((raw / name.removesuffix(".gz")).is_file() for name, _ in spec.files)


def _download_idx(spec: IdxSpec, root: Path, on_event: Callback | None, stop: threading.Event | None) -> None:
    from torchvision.datasets.utils import extract_archive

    raw = root / spec.folder / "raw"
    mirror = os.environ.get(spec.mirror_env, spec.mirror)
    for name, md5 in spec.files:
        unpacked = raw / name.removesuffix(".gz")
        if unpacked.is_file():
            continue
        packed = raw / name
        fetch(mirror + name, packed, md5, spec.label, on_event, stop)
        # torchvision writes the unpacked file in place; unpacking beside it and renaming keeps a half-written
        # file (full disk, killed process) from passing idx_present as a complete one.
        with tempfile.TemporaryDirectory(dir=raw) as tmp:
            Path(extract_archive(packed, tmp)).replace(unpacked)
        packed.unlink()


def load_idx(
    spec: IdxSpec, root: Path, on_event: Callback | None = None, stop: threading.Event | None = None
) -> tuple[torch.Tensor, ...]:
    """(train images, train labels, test images, test labels), images uint8 (N, 1, 28, 28)."""
    # Imported here (as in downloads.fetch): torchvision.datasets costs over a second at start-up.
    import torchvision.datasets

    if not idx_present(spec, root):
        with exclusive(root, spec.folder):  # one process downloads (a torchrun rank, another window); others wait
            if not idx_present(spec, root):
                _download_idx(spec, root, on_event, stop)
    reader: type[torchvision.datasets.MNIST] = getattr(torchvision.datasets, spec.torchvision_class)
    out: list[torch.Tensor] = []
    for train in (True, False):
        try:
            ds = reader(str(root), train=train, download=False)  # we fetched the files: ours reports progress
        except Exception as e:  # noqa: BLE001 - torchvision raises bare RuntimeError/AssertionError on bad files
            raise DataError(
                f"{spec.label} in {root / spec.folder / 'raw'} is unreadable ({type(e).__name__}: {e}). "
                "Delete those files to download them again, or use the bundled sample.",
                offer_sample=True,
            ) from None
        out += [ds.data.unsqueeze(1).contiguous(), ds.targets.long()]
    return tuple(out)


CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class _ArrayUnpickler(pickle.Unpickler):
    """Reads CIFAR's pickled batches but refuses anything beyond plain data and numpy arrays."""

    ALLOWED: ClassVar[frozenset[tuple[str, str]]] = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar"),
            ("_codecs", "encode"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a data file")


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as f:
        d = _ArrayUnpickler(f, encoding="latin1").load()
    data = np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data, np.asarray(d["labels"], dtype=np.int64)


def _download_cifar10(root: Path, on_event: Callback | None, stop: threading.Event | None) -> None:
    archive = root / "cifar-10-python.tar.gz"
    fetch(CIFAR10_URL, archive, CIFAR10_MD5, "CIFAR-10", on_event, stop)
    # Not torchvision's extract_archive: its _extract_tar calls tar.extractall(to_path) with no filter, which
    # before Python 3.14 writes members named "/..." or "../..." (or links) outside the data folder; tried on
    # 3.11 with torchvision 0.29.1: a "../x" member escaped silently. filter="data" refuses such members.
    # Unpacked beside the final folder, then renamed: a half-unpacked folder is never taken for a whole one.
    with tempfile.TemporaryDirectory(dir=root, prefix=".cifar-") as tmp, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp, filter="data")
        target = root / CIFAR10_FOLDER
        if target.exists():
            shutil.rmtree(target)
        (Path(tmp) / CIFAR10_FOLDER).replace(target)
    archive.unlink()


def load_cifar10(
    root: Path, on_event: Callback | None = None, stop: threading.Event | None = None
) -> tuple[torch.Tensor, ...]:
    """CIFAR-10 from ``root/cifar-10-batches-py`` (torchvision's layout), downloading it if missing."""
    folder = root / CIFAR10_FOLDER
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    if not all((folder / n).is_file() for n in names):
        with exclusive(root, CIFAR10_FOLDER):  # one process downloads and unpacks; others wait
            if not all((folder / n).is_file() for n in names):
                _download_cifar10(root, on_event, stop)
    try:
        parts = [_read_cifar_batch(folder / n) for n in names]
    except Exception as e:  # noqa: BLE001 - unpickling bad data raises almost anything
        raise DataError(
            f"CIFAR-10 in {folder} is unreadable ({type(e).__name__}: {e}). Delete the folder to download it again.",
            offer_sample=True,
        ) from None
    train_x = np.concatenate([p[0] for p in parts[:5]])
    train_y = np.concatenate([p[1] for p in parts[:5]])
    return (
        torch.from_numpy(train_x),
        torch.from_numpy(train_y),
        torch.from_numpy(parts[5][0]),
        torch.from_numpy(parts[5][1]),
    )
