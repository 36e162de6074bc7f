"""Data: the bundled sample, the full Fashion-MNIST, downloads with progress, and failures a user can act on."""

import dataclasses
import gzip
import hashlib
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from resnet_gui.data import datasets as data
from resnet_gui.data import standard_sets
from resnet_gui.data.datasets import (
    DataSet,
    check_dataset,
    load_dataset,
    load_fashion_mnist,
    load_sample,
    resolve_root,
)
from resnet_gui.errors import DataError
from resnet_gui.settings.config import DataConfig
from resnet_gui.training.events import DownloadProgress

REPO = Path(__file__).resolve().parents[2]
# The full Fashion-MNIST: env RESNET_GUI_DATA when set (as the app reads it), else ../shared/datasets beside the repo.
FULL_DATA = Path(os.environ.get("RESNET_GUI_DATA") or REPO.parent / "shared" / "datasets")


def test_sample_is_a_stratified_subset() -> None:
    ds = load_sample()
    assert ds.train_x.shape == (6000, 1, 28, 28) and ds.train_x.dtype == torch.uint8
    assert ds.test_x.shape == (1000, 1, 28, 28)
    assert torch.bincount(ds.train_y).tolist() == [600] * 10
    assert torch.bincount(ds.test_y).tolist() == [100] * 10
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"
    assert (data.assets_dir() / data.SAMPLE_FILE).stat().st_size < 3.5e6


def test_root_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RESNET_GUI_DATA", str(tmp_path / "env"))
    assert resolve_root(str(tmp_path / "arg")) == tmp_path / "arg"
    assert resolve_root(None) == tmp_path / "env"
    monkeypatch.delenv("RESNET_GUI_DATA")
    assert "resnet-gui" in str(resolve_root(None))


@pytest.mark.skipif(
    not (FULL_DATA / "FashionMNIST" / "raw").is_dir(),
    reason=f"no full Fashion-MNIST in {FULL_DATA}; set RESNET_GUI_DATA to the folder holding it",
)
def test_full_fashion_mnist_from_a_local_root() -> None:
    ds = load_dataset(DataConfig(dataset="fashion-mnist", root=str(FULL_DATA)))
    assert ds.train_x.shape == (60000, 1, 28, 28) and ds.test_x.shape == (10000, 1, 28, 28)
    assert torch.bincount(ds.test_y).tolist() == [1000] * 10


def _idx_gz(path: Path, array: np.ndarray) -> str:
    magic = 2051 if array.ndim == 3 else 2049
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def mirror_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[tuple[str, str], ...]]:
    """The small Fashion-MNIST made from the bundled sample, gzipped once: its folder and (file, md5) pairs."""
    sample = load_sample()
    folder = tmp_path_factory.mktemp("mirror")
    arrays = {
        "train-images-idx3-ubyte.gz": sample.train_x[:, 0].numpy(),
        "train-labels-idx1-ubyte.gz": sample.train_y.numpy(),
        "t10k-images-idx3-ubyte.gz": sample.test_x[:, 0].numpy(),
        "t10k-labels-idx1-ubyte.gz": sample.test_y.numpy(),
    }
    return folder, tuple((name, _idx_gz(folder / name, a)) for name, a in arrays.items())


@pytest.fixture
def mirror(
    mirror_files: tuple[Path, tuple[tuple[str, str], ...]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A local file:// mirror of that data set, this test's own copy (a test may damage it)."""
    built, files = mirror_files
    folder = shutil.copytree(built, tmp_path / "mirror")
    monkeypatch.setitem(
        standard_sets.IDX_SETS,
        "fashion-mnist",
        dataclasses.replace(standard_sets.IDX_SETS["fashion-mnist"], files=files),
    )
    monkeypatch.setenv("RESNET_GUI_FASHION_MNIST_MIRROR", folder.as_uri() + "/")
    monkeypatch.delenv("RESNET_GUI_OFFLINE", raising=False)
    return folder


def test_download_reports_progress_and_loads(mirror: Path, tmp_path: Path) -> None:
    events: list[DownloadProgress] = []
    ds = load_fashion_mnist(tmp_path / "root", events.append)
    assert ds.train_x.shape == (6000, 1, 28, 28)
    assert {e.file for e in events} == {name for name, _ in standard_sets.IDX_SETS["fashion-mnist"].files}
    last = [e for e in events if e.file == "train-images-idx3-ubyte.gz"][-1]
    assert last.done_bytes == last.total_bytes > 0
    assert not list((tmp_path / "root" / "FashionMNIST" / "raw").glob("*.gz"))


def test_corrupt_download_is_refused(mirror: Path, tmp_path: Path) -> None:
    (mirror / "train-labels-idx1-ubyte.gz").write_bytes(b"not the file")
    with pytest.raises(DataError, match="corrupt") as err:
        load_fashion_mnist(tmp_path / "root")
    assert err.value.offer_sample


def test_offline_says_so_and_offers_the_sample(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RESNET_GUI_FASHION_MNIST_MIRROR", (tmp_path / "nowhere").as_uri() + "/")
    monkeypatch.delenv("RESNET_GUI_OFFLINE", raising=False)
    with pytest.raises(DataError, match="Could not download Fashion-MNIST") as err:
        load_fashion_mnist(tmp_path / "root")
    assert err.value.offer_sample and "bundled sample" in str(err.value)
    monkeypatch.setenv("RESNET_GUI_OFFLINE", "1")
    with pytest.raises(DataError, match="switched off"):
        load_fashion_mnist(tmp_path / "root")


def test_unreadable_files_give_a_clear_message(tmp_path: Path) -> None:
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name, _ in standard_sets.IDX_SETS["fashion-mnist"].files:
        (raw / name.removesuffix(".gz")).write_bytes(b"\x00" * 64)
    with pytest.raises(DataError, match="unreadable"):
        load_fashion_mnist(tmp_path)


def test_inconsistent_tensors_are_caught() -> None:
    ds = load_sample()
    bad = DataSet("bad", ds.train_x, ds.train_y + 5, ds.test_x, ds.test_y, ds.class_names)
    with pytest.raises(DataError, match="outside the 10 classes"):
        check_dataset(bad)


def _write_idx_root(root: Path, folder: str) -> None:
    sample = load_sample()
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    for name, array in (
        ("train-images-idx3-ubyte", sample.train_x[:600, 0].numpy()),
        ("train-labels-idx1-ubyte", sample.train_y[:600].numpy()),
        ("t10k-images-idx3-ubyte", sample.test_x[:100, 0].numpy()),
        ("t10k-labels-idx1-ubyte", sample.test_y[:100].numpy()),
    ):
        magic = 2051 if array.ndim == 3 else 2049
        header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
        (raw / name).write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize("name,folder,first_class", [("mnist", "MNIST", "0"), ("kmnist", "KMNIST", "o")])
def test_mnist_and_kmnist_from_a_local_root(tmp_path: Path, name: str, folder: str, first_class: str) -> None:
    _write_idx_root(tmp_path, folder)
    ds = load_dataset(DataConfig(dataset=name, root=str(tmp_path)))
    assert ds.train_x.shape == (600, 1, 28, 28) and ds.test_x.shape == (100, 1, 28, 28)
    assert ds.class_names[0] == first_class and len(ds.class_names) == 10


def test_a_standard_set_ignores_the_image_folder_and_reads_the_data_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: after an image folder, MNIST was looked for inside it instead of at RESNET_GUI_DATA."""
    _write_idx_root(tmp_path / "env", "MNIST")
    (tmp_path / "pictures").mkdir()
    monkeypatch.setenv("RESNET_GUI_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("RESNET_GUI_OFFLINE", "1")
    ds = load_dataset(DataConfig(dataset="mnist", folder=str(tmp_path / "pictures")))
    assert ds.train_x.shape == (600, 1, 28, 28)
    assert not list((tmp_path / "pictures").iterdir())


def test_settings_from_before_the_image_folder_field_keep_their_folder() -> None:
    from resnet_gui.settings.config import RunConfig

    old_folder = RunConfig.from_dict({"data": {"dataset": "folder", "root": "/my/pictures"}}).data
    assert (old_folder.folder, old_folder.root) == ("/my/pictures", None)
    standard = RunConfig.from_dict({"data": {"dataset": "mnist", "root": "/data"}}).data
    assert (standard.folder, standard.root) == (None, "/data")


def _write_cifar_root(root: Path, evil: object = None) -> None:
    import pickle

    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (20, 3072), dtype=np.uint8), "labels": list(range(10)) * 2}
        if evil is not None and name == "test_batch":
            batch["extra"] = evil
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))


def test_cifar10_from_a_local_root(tmp_path: Path) -> None:
    _write_cifar_root(tmp_path)
    ds = load_dataset(DataConfig(dataset="cifar10", root=str(tmp_path), resize=0))
    assert ds.train_x.shape == (100, 3, 32, 32) and ds.test_x.shape == (20, 3, 32, 32)
    assert ds.class_names[:2] == ("airplane", "automobile") and ds.channels == 3


class _Exploit:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return (Path.touch, (self.target,))


def test_cifar_reader_runs_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    _write_cifar_root(tmp_path, evil=_Exploit(marker))
    with pytest.raises(DataError, match="unreadable"):
        load_dataset(DataConfig(dataset="cifar10", root=str(tmp_path)))
    assert not marker.exists()


def test_a_download_can_be_cancelled(mirror: Path, tmp_path: Path) -> None:
    import threading

    from resnet_gui.errors import Cancelled

    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        load_dataset(DataConfig(dataset="fashion-mnist", root=str(tmp_path / "root")), stop=stop)
    assert not list((tmp_path / "root").rglob("*.part"))
