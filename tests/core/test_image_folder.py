"""Folders of the user's own images: any sizes and modes, broken files, test split, cache, clear errors."""

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from resnet_gui.data.datasets import load_dataset
from resnet_gui.data.image_folder import read_folder, scan_folder, stratified_split
from resnet_gui.data.preview import make_preview
from resnet_gui.errors import DataError
from resnet_gui.settings.config import DataConfig, RunConfig, with_changes
from resnet_gui.training.engine import fit

MODES = ("L", "RGB", "RGBA", "P", "I;16")


def draw(path: Path, k: int, i: int) -> None:
    """A small image whose brightness pattern depends on its class ``k``, in a varying size and mode."""
    size = (20 + 7 * (i % 5), 16 + 5 * (i % 3))
    arr = np.zeros(size[::-1], dtype=np.uint8)
    arr[:, k * size[0] // 4 : (k + 1) * size[0] // 4] = 255
    img = Image.fromarray(arr).convert(MODES[i % len(MODES)] if MODES[i % len(MODES)] != "I;16" else "I")
    if MODES[i % len(MODES)] == "I;16":
        img = Image.fromarray(arr.astype(np.uint16) * 257)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = (".png", ".jpg", ".bmp", ".webp")[i % 4]
    if suffix in (".jpg", ".bmp") and img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    if suffix == ".webp" and img.mode not in ("L", "RGB", "RGBA"):
        img = img.convert("RGBA")
    img.save(path.with_suffix(suffix))


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_GUI_CACHE", str(tmp_path / "cache"))


def make_folder(
    root: Path, classes=("streifen links", "mitte", "rechts ü"), per_class: int = 12, test_per_class: int = 0
) -> Path:
    for k, name in enumerate(classes):
        for i in range(per_class):
            draw(root / "train" / name / f"img {i}" if test_per_class else root / name / f"img {i}", k, i)
        for i in range(test_per_class):
            draw(root / "val" / name / f"t{i}", k, i + 1)
    return root


def cfg(root: Path, **kw) -> DataConfig:
    return DataConfig(dataset="folder", folder=str(root), resize=0, **kw)


def test_mixed_sizes_and_modes_with_a_held_out_share(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "my images")
    (root / "mitte" / "broken.png").write_bytes(b"\x89PNG not really")
    (root / "mitte" / "notes.txt").write_text("not an image")
    ds = load_dataset(cfg(root, test_fraction=0.25))
    assert ds.class_names == ("mitte", "rechts ü", "streifen links")
    assert ds.train_x.shape[1:] == (1, 28, 28) and ds.train_x.dtype.is_floating_point is False
    assert np.bincount(ds.test_y.numpy()).tolist() == [3, 3, 3]
    assert len(ds.train_y) + len(ds.test_y) == 36
    assert len(ds.skipped) == 1 and "broken.png" in ds.skipped[0]


def test_test_subfolder_is_the_test_split_and_colour_works(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "split", per_class=6, test_per_class=2)
    scan = scan_folder(root)
    assert len(scan.train) == 18 and scan.test is not None and len(scan.test) == 6
    ds = load_dataset(cfg(root, channels=3, image_size=32))
    assert ds.train_x.shape == (18, 3, 32, 32) and ds.test_x.shape == (6, 3, 32, 32)


@pytest.mark.parametrize("split", ["test", "val"])
@pytest.mark.parametrize("beside", ["class folders", "train folder"])
def test_a_test_or_val_subfolder_is_the_test_split(tmp_path: Path, split: str, beside: str) -> None:
    root = tmp_path / "photos"
    train_root = root / "train" if beside == "train folder" else root
    for k, name in enumerate(("cats", "dogs")):
        for i in range(4):
            draw(train_root / name / f"x{i}", k, i)
        for i in range(2):
            draw(root / split / name / f"t{i}", k, i)
    scan = scan_folder(root)
    assert scan.classes == ("cats", "dogs")
    assert len(scan.train) == 8 and all(split not in p.relative_to(root).parts for p, _ in scan.train)
    assert scan.test is not None and sorted((p.relative_to(root).parts[:2], label) for p, label in scan.test) == [
        ((split, "cats"), 0),
        ((split, "cats"), 0),
        ((split, "dogs"), 1),
        ((split, "dogs"), 1),
    ]
    ds = load_dataset(cfg(root))
    assert ds.train_y.tolist().count(0) == 4 and ds.test_y.tolist() == [0, 0, 1, 1]


def test_decoded_once_then_cached_and_edits_are_seen(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "cached", per_class=5)
    first = read_folder(cfg(root))
    again = read_folder(cfg(root))
    assert not first.from_cache and again.from_cache
    assert np.array_equal(first.train_x, again.train_x)
    draw(root / "mitte" / "new one", 1, 3)
    edited = read_folder(cfg(root))
    assert not edited.from_cache and len(edited.train_y) + len(edited.test_y) == 16


@pytest.mark.parametrize(
    "layout,reason",
    [
        ({}, "has no class subfolders"),
        ({"a": 3}, "Only one class"),
        ({"a": 3, "b": 0}, "b in"),
    ],
)
def test_unusable_folders_say_why(tmp_path: Path, layout: dict, reason: str) -> None:
    root = tmp_path / "bad"
    root.mkdir()
    for name, n in layout.items():
        (root / name).mkdir()
        for i in range(n):
            draw(root / name / f"x{i}", 0, i)
    with pytest.raises(DataError, match=reason):
        load_dataset(cfg(root))


def test_no_images_and_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "empty" / "a").mkdir(parents=True)
    (tmp_path / "empty" / "b").mkdir()
    with pytest.raises(DataError, match="No images"):
        load_dataset(cfg(tmp_path / "empty"))
    with pytest.raises(DataError, match="is not a folder"):
        load_dataset(cfg(tmp_path / "missing"))


def test_cancel_while_decoding(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "cancel", per_class=4)
    stop = threading.Event()
    stop.set()
    result = fit(RunConfig(data=cfg(root)), stop=stop)
    assert result.status == "stopped"


def test_stratified_split_is_seeded_and_keeps_every_class() -> None:
    labels = np.repeat(np.arange(3), [10, 4, 2])
    a, b = stratified_split(labels, 0.25), stratified_split(labels, 0.25)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert np.bincount(labels[a[1]]).tolist() == [2, 1, 1] and set(labels[a[0]]) == {0, 1, 2}


def test_train_on_a_folder_and_preview_it(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "train me", per_class=16)
    run_cfg = with_changes(
        RunConfig(data=cfg(root)),
        model={"blocks": (1,), "channels": 8},
        train={"epochs": 2, "batch_size": 16, "lr": 0.01},
    )
    result = fit(run_cfg)
    assert result.status == "finished" and result.model.fc[1].out_features == 3
    preview = make_preview(load_dataset(run_cfg.data), per_class=4)
    assert preview.samples.shape == (3, 4, 1, 28, 28) and sum(preview.train_counts) + sum(preview.test_counts) == 48
    assert all(preview.augmented[mode].shape == preview.originals.shape for mode in ("flip", "crop+flip"))
    assert "3 classes, 28×28 grayscale" in preview.describe()
