"""Data sets as whole uint8 tensors: Fashion-MNIST (downloaded when missing) and the bundled sample.

Images come back as one (N, 1, 28, 28) uint8 tensor per split, never as per-image Python
objects: the engine moves them to the training device once and batches them there.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .config import DataConfig
from .errors import DataError
from .events import Callback, DownloadProgress

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
# torchvision's own list (FashionMNIST.resources): file name and md5 of the gzipped file.
FASHION_MNIST_FILES = (
    ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
    ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
    ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
)
FASHION_MNIST_MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
SAMPLE_FILE = "fashion_mnist_sample.npz"
DATASET_LABELS = {"sample": "Bundled sample (6,000 + 1,000 images)",
                  "fashion-mnist": "Fashion-MNIST (60,000 + 10,000 images)"}


@dataclass(frozen=True)
class DataSet:
    """Both splits as uint8 image tensors (N, C, H, W) and int64 labels, with class names."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    class_names: tuple[str, ...]

    @property
    def channels(self) -> int:
        return int(self.train_x.shape[1])

    @property
    def image_size(self) -> int:
        return int(self.train_x.shape[-1])


def resolve_root(root: str | None) -> Path:
    """The data folder: ``root`` if given, else env RESNET_GUI_DATA, else the user's cache dir."""
    if root:
        return Path(root).expanduser()
    env = os.environ.get("RESNET_GUI_DATA")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("resnet-gui")) / "datasets"


def assets_dir() -> Path:
    """The bundled assets folder (env RESNET_GUI_ASSETS overrides, for installs outside the repo)."""
    env = os.environ.get("RESNET_GUI_ASSETS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "assets"


def load_sample() -> DataSet:
    """The bundled stratified subset of Fashion-MNIST (600 train and 100 test images per class)."""
    path = assets_dir() / SAMPLE_FILE
    try:
        with np.load(path) as z:
            arrays = {k: z[k] for k in ("train_images", "train_labels", "test_images", "test_labels",
                                        "class_names")}
    except FileNotFoundError:
        raise DataError(f"The bundled sample is missing: {path} not found. Reinstall resnet-gui "
                        "or set RESNET_GUI_ASSETS to the folder holding it.") from None
    except (OSError, ValueError, KeyError) as e:
        raise DataError(f"The bundled sample {path} is unreadable ({e}). Rebuild it with "
                        "assets/make_sample.py.") from None
    return DataSet("sample",
                   torch.from_numpy(arrays["train_images"]).unsqueeze(1),
                   torch.from_numpy(arrays["train_labels"].astype(np.int64)),
                   torch.from_numpy(arrays["test_images"]).unsqueeze(1),
                   torch.from_numpy(arrays["test_labels"].astype(np.int64)),
                   tuple(str(c) for c in arrays["class_names"]))


def _raw_dir(root: Path) -> Path:
    return root / "FashionMNIST" / "raw"


def fashion_mnist_present(root: Path) -> bool:
    """True when the four unpacked Fashion-MNIST files are in ``root`` (torchvision's layout)."""
    raw = _raw_dir(root)
    return all((raw / name.removesuffix(".gz")).is_file() for name, _ in FASHION_MNIST_FILES)


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch(url: str, dest: Path, on_event: Callback | None) -> None:
    """Download ``url`` to ``dest`` through a temp file, reporting progress."""
    tmp = dest.with_suffix(dest.suffix + ".part")
    with urllib.request.urlopen(url, timeout=30) as resp, open(tmp, "wb") as out:
        total = int(resp.headers.get("Content-Length") or 0)
        done = 0
        while chunk := resp.read(1 << 16):
            out.write(chunk)
            done += len(chunk)
            if on_event:
                on_event(DownloadProgress(dest.name, done, total))
    tmp.replace(dest)


def download_fashion_mnist(root: Path, on_event: Callback | None = None) -> None:
    """Fetch and unpack the missing Fashion-MNIST files into ``root``; DataError when it can't."""
    if os.environ.get("RESNET_GUI_OFFLINE") == "1":
        raise DataError(f"Fashion-MNIST is not in {root} and downloads are switched off "
                        "(RESNET_GUI_OFFLINE=1). Use the bundled sample, or copy the data there.",
                        offer_sample=True)
    mirror = os.environ.get("RESNET_GUI_FASHION_MNIST_MIRROR", FASHION_MNIST_MIRROR)
    raw = _raw_dir(root)
    try:
        raw.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"Cannot create the data folder {raw}: {e.strerror}. Choose another data folder.") from None
    for name, md5 in FASHION_MNIST_FILES:
        unpacked = raw / name.removesuffix(".gz")
        if unpacked.is_file():
            continue
        packed = raw / name
        try:
            _fetch(mirror + name, packed, on_event)
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            raise DataError(f"Could not download Fashion-MNIST ({name}: {reason}). Are you offline? "
                            f"Use the bundled sample, or put the data in {root}.", offer_sample=True) from None
        if _md5(packed) != md5:
            packed.unlink(missing_ok=True)
            raise DataError(f"The downloaded {name} is corrupt (checksum mismatch); try again.",
                            offer_sample=True)
        with gzip.open(packed, "rb") as src, tempfile.NamedTemporaryFile(dir=raw, delete=False) as dst:
            shutil.copyfileobj(src, dst)
        Path(dst.name).replace(unpacked)
        packed.unlink()


def load_fashion_mnist(root: Path, on_event: Callback | None = None) -> DataSet:
    """Fashion-MNIST from ``root``, downloading what is missing."""
    from torchvision.datasets import FashionMNIST

    if not fashion_mnist_present(root):
        download_fashion_mnist(root, on_event)
    splits = []
    for train in (True, False):
        try:
            ds = FashionMNIST(str(root), train=train, download=False)
        except Exception as e:  # torchvision raises bare RuntimeError/AssertionError on bad files
            raise DataError(f"Fashion-MNIST in {_raw_dir(root)} is unreadable ({type(e).__name__}: {e}). "
                            "Delete those files to download them again, or use the bundled sample.",
                            offer_sample=True) from None
        splits.append((ds.data.unsqueeze(1).contiguous(), ds.targets.long()))
    (train_x, train_y), (test_x, test_y) = splits
    if train_x.shape[1:] != (1, 28, 28) or len(train_x) != len(train_y) or len(test_x) != len(test_y):
        raise DataError(f"Fashion-MNIST in {_raw_dir(root)} has unexpected shapes; delete it to download again.",
                        offer_sample=True)
    return DataSet("fashion-mnist", train_x, train_y, test_x, test_y, FASHION_MNIST_CLASSES)


def check_dataset(ds: DataSet) -> None:
    """Raise DataError when the tensors are inconsistent: shapes, dtypes, labels out of range."""
    for split, x, y in (("training", ds.train_x, ds.train_y), ("test", ds.test_x, ds.test_y)):
        if x.dtype != torch.uint8 or x.dim() != 4 or len(x) != len(y) or len(y) == 0:
            raise DataError(f"The {split} split of {ds.name} is malformed: images {tuple(x.shape)} "
                            f"({x.dtype}), labels {tuple(y.shape)}. Reload or rebuild the data.")
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= len(ds.class_names):
            raise DataError(f"The {split} labels of {ds.name} run from {lo} to {hi}, outside the "
                            f"{len(ds.class_names)} classes: the data is corrupt.")


def load_dataset(cfg: DataConfig, on_event: Callback | None = None) -> DataSet:
    """The data set ``cfg`` names, as uint8 tensors on the CPU."""
    if cfg.dataset == "sample":
        return load_sample()
    if cfg.dataset == "fashion-mnist":
        return load_fashion_mnist(resolve_root(cfg.root), on_event)
    raise DataError(f"Unknown data set {cfg.dataset!r}: choose sample or fashion-mnist.")
