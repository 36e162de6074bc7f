"""A folder of the user's own images (torchvision's ImageFolder layout) as a device-ready data set.

One subfolder per class. The test split is a ``test/`` or ``val/`` subfolder when there is one
(beside the class folders, or beside a ``train/`` folder), else a stratified held-out share
drawn with a fixed seed, so every run of the same folder tests on the same images. Images are
decoded once, in any size and colour mode, to ``image_size`` squares in grayscale or colour,
and cached on disk keyed by the folder's contents: opening it again is instant, and an edited
folder is read again. Unreadable files are skipped and listed. Images on the folder's exclude list
(``exclusions``) are left out after the split, so the others keep theirs.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import Cancelled, DataError
from ..settings.config import DataConfig
from ..training.events import Callback, DataProgress
from .downloads import exclusive
from .exclusions import Exclusion, read_exclusion
from .images import decode_image

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp"})
TEST_FOLDERS = ("test", "val")
SPLIT_SEED = 0
CACHE_VERSION = 2  # 2: the files of the images, for the exclude list


@dataclass(frozen=True)
class FolderScan:
    """What a folder holds: class names and (path, label) lists for training and, if present, testing."""

    root: Path
    classes: tuple[str, ...]
    train: list[tuple[Path, int]]
    test: list[tuple[Path, int]] | None
    ignored: list[Path] = field(default_factory=list)  # files that are not images by their suffix


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _class_dirs(folder: Path, exclude: tuple[str, ...] = ()) -> list[Path]:
    return sorted(
        d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".") and d.name.lower() not in exclude
    )


def scan_folder(root: str | Path) -> FolderScan:
    """Find the classes and images under ``root``; DataError with what to fix when the layout is unusable."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"{root} is not a folder. Choose a folder with one subfolder of images per class.")
    train_root = root / "train" if (root / "train").is_dir() else root
    test_root = next(
        (
            train_root.parent / n
            for n in TEST_FOLDERS
            if (train_root.parent / n).is_dir() and train_root.parent / n != train_root
        ),
        None,
    )
    if test_root is None:
        test_root = next((root / n for n in TEST_FOLDERS if (root / n).is_dir()), None)
    class_dirs = _class_dirs(train_root, exclude=("train", *TEST_FOLDERS))
    if not class_dirs:
        raise DataError(
            f"{train_root} has no class subfolders. Put each class's images in a subfolder named "
            "after the class (e.g. cats/, dogs/)."
        )
    classes = tuple(d.name for d in class_dirs)
    train = [(p, i) for i, d in enumerate(class_dirs) for p in _images_in(d)]
    per_class = np.bincount([lbl for _, lbl in train], minlength=len(classes))
    empty = [c for c, n in zip(classes, per_class, strict=False) if n == 0]
    if not train:
        raise DataError(f"No images (PNG, JPEG, BMP, WebP) found in the class folders of {train_root}.")
    if empty:
        raise DataError(
            f"The class folder(s) {', '.join(empty)} in {train_root} hold no images: add images or remove the folder."
        )
    if len(classes) < 2:
        raise DataError(
            f"Only one class ({classes[0]}) in {train_root}: a classifier needs at least two class folders."
        )
    test = None
    if test_root is not None:
        test = [(p, classes.index(d.name)) for d in _class_dirs(test_root) if d.name in classes for p in _images_in(d)]
        unknown = [d.name for d in _class_dirs(test_root) if d.name not in classes]
        if unknown:
            raise DataError(f"{test_root} has class folders the training data lacks: {', '.join(unknown)}.")
        if not test:
            raise DataError(f"{test_root} holds no images; fill it or remove it to hold out a share instead.")
    ignored = [p for p in train_root.rglob("*") if p.is_file() and p.suffix.lower() not in IMAGE_SUFFIXES]
    return FolderScan(root, classes, train, test, ignored)


def _decode_all(
    items: list[tuple[Path, int]],
    root: Path,
    size: int,
    channels: int,
    done_before: int,
    total: int,
    on_event: Callback | None,
    stop: threading.Event | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(images, labels, their files relative to ``root``, the unreadable files each with its reason)."""
    images = np.zeros((len(items), channels, size, size), dtype=np.uint8)
    keep = np.zeros(len(items), dtype=bool)
    skipped: list[str] = []
    for i, (path, _) in enumerate(items):
        if stop is not None and stop.is_set():
            raise Cancelled("Loading the image folder was cancelled.")
        try:
            images[i] = decode_image(path, size, channels)
            keep[i] = True
        except Exception as e:  # noqa: BLE001 - PIL raises many types for broken files; each is skipped and listed
            skipped.append(f"{path}: {type(e).__name__}: {e}")
        if on_event and (i % 64 == 0 or i == len(items) - 1):
            on_event(DataProgress("decoding images", done_before + i + 1, total))
    labels = np.array([lbl for _, lbl in items], dtype=np.int64)
    files = np.array([p.relative_to(root).as_posix() for p, _ in items], dtype=str)
    return images[keep], labels[keep], files[keep], skipped


def stratified_split(labels: np.ndarray, fraction: float, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices): ``fraction`` of each class held out (at least one per class when it has 2+)."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = min(len(idx) - 1, max(1, round(fraction * len(idx)))) if len(idx) > 1 else 0
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def cache_dir() -> Path:
    """Where decoded folders are cached: env RESNET_GUI_CACHE, else the user's cache folder."""
    env = os.environ.get("RESNET_GUI_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("resnet-gui")) / "folders"


def cache_key(scan: FolderScan, cfg: DataConfig) -> str:
    """A hash of every image's path, size and modification time plus the decoding settings."""
    h = hashlib.sha256(f"{CACHE_VERSION}|{cfg.image_size}|{cfg.channels}|{cfg.test_fraction}|".encode())
    for part, items in (("train", scan.train), ("test", scan.test or [])):
        h.update(part.encode())
        for path, label in items:
            st = path.stat()
            h.update(
                f"{path.relative_to(scan.root)}|{label}|{st.st_size}|{st.st_mtime_ns}\n".encode(
                    "utf-8", "surrogateescape"
                )
            )
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class FolderData:
    """A decoded folder: images and labels of both splits, class names, the files skipped, and notes."""

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    classes: tuple[str, ...]
    skipped: tuple[str, ...]
    from_cache: bool
    notes: tuple[str, ...] = ()  # e.g. that a damaged cached copy was decoded again
    # Each image's file relative to the folder, in the order of the arrays (POSIX slashes).
    train_files: tuple[str, ...] = ()
    test_files: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # the exclude list's images that were left out (sorted)


DAMAGED_CACHE = "The cached copy of this folder was damaged; its images were decoded again."


def _read_cache(cached: Path) -> tuple[FolderData | None, str]:
    """(the cached folder or None, a note when the cache was damaged and has been removed)."""
    if not cached.is_file():
        return None, ""
    try:
        with open(cached, "rb") as f, np.load(f, allow_pickle=False) as z:  # our handle: closed even when damaged
            return FolderData(
                z["train_x"],
                z["train_y"],
                z["test_x"],
                z["test_y"],
                tuple(str(c) for c in z["classes"]),
                tuple(str(s) for s in z["skipped"]),
                True,
                train_files=tuple(str(f) for f in z["train_files"]),
                test_files=tuple(str(f) for f in z["test_files"]),
            ), ""
    except Exception:  # noqa: BLE001 - a damaged npz raises BadZipFile, EOFError, ValueError, KeyError, ...
        cached.unlink(missing_ok=True)
        return None, DAMAGED_CACHE


def _write_cache(cached: Path, data: FolderData) -> None:
    """Keep ``data`` for next time, through a temp file of its own (never a half-written cache)."""
    fd, name = tempfile.mkstemp(prefix=f".{cached.stem}.", suffix=".npz", dir=cached.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                train_x=data.train_x,
                train_y=data.train_y,
                test_x=data.test_x,
                test_y=data.test_y,
                classes=np.array(data.classes),
                skipped=np.array(data.skipped, dtype=str),
                train_files=np.array(data.train_files, dtype=str),
                test_files=np.array(data.test_files, dtype=str),
            )
        os.replace(name, cached)
    finally:
        Path(name).unlink(missing_ok=True)


def _decode(
    scan: FolderScan, cfg: DataConfig, on_event: Callback | None, stop: threading.Event | None, notes: tuple[str, ...]
) -> FolderData:
    total = len(scan.train) + len(scan.test or [])
    x, y, f, skipped = _decode_all(scan.train, scan.root, cfg.image_size, cfg.channels, 0, total, on_event, stop)
    if scan.test is not None:
        tx, ty, tf, more = _decode_all(
            scan.test, scan.root, cfg.image_size, cfg.channels, len(scan.train), total, on_event, stop
        )
        skipped += more
    else:
        tr, te = stratified_split(y, cfg.test_fraction)
        x, y, f, tx, ty, tf = x[tr], y[tr], f[tr], x[te], y[te], f[te]
    if len(x) == 0 or len(tx) == 0:
        raise DataError(
            f"No readable images left for {'training' if len(x) == 0 else 'testing'} in {cfg.folder} "
            f"({len(skipped)} unreadable). Add images, or lower the held-out share."
        )
    missing = [c for i, c in enumerate(scan.classes) if not (y == i).any()]
    if missing:
        raise DataError(f"Every image of class {', '.join(missing)} is unreadable or held out; add more images.")
    return FolderData(x, y, tx, ty, scan.classes, tuple(skipped), False, notes, tuple(f), tuple(tf))


def leave_out(data: FolderData, exclusion: Exclusion) -> FolderData:
    """``data`` without the images on the exclude list (those listed but not found are ignored)."""
    listed = set(exclusion.paths)
    keep = np.array([f not in listed for f in data.train_files], dtype=bool)
    keep_test = np.array([f not in listed for f in data.test_files], dtype=bool)
    if keep.all() and keep_test.all():
        return data
    left_out = [f for f, k in zip(data.train_files, keep, strict=True) if not k]
    left_out += [f for f, k in zip(data.test_files, keep_test, strict=True) if not k]
    y = data.train_y[keep]
    gone = [c for i, c in enumerate(data.classes) if not (y == i).any()]
    if gone or not keep_test.any():
        what = f"every training image of class {', '.join(gone)}" if gone else "every test image"
        raise DataError(f"The exclude list leaves out {what}: take some of them off the list (Suspicious labels).")
    return replace(
        data,
        train_x=data.train_x[keep],
        train_y=y,
        test_x=data.test_x[keep_test],
        test_y=data.test_y[keep_test],
        train_files=tuple(f for f, k in zip(data.train_files, keep, strict=True) if k),
        test_files=tuple(f for f, k in zip(data.test_files, keep_test, strict=True) if k),
        excluded=tuple(sorted(left_out)),
    )


def read_folder(
    cfg: DataConfig, on_event: Callback | None = None, stop: threading.Event | None = None, exclude: bool = True
) -> FolderData:
    """Scan, decode (or read from the cache) and split the image folder ``cfg.folder``, leaving out the
    images on its exclude list (unless not ``exclude``).

    Two processes reading the same new folder at once decode it once: the second waits for the
    first's cache (a lock file beside it) and reads that.
    """
    if not cfg.folder:
        raise DataError("Choose the folder holding one subfolder of images per class.")
    data = _read_all(cfg, on_event, stop)
    return leave_out(data, read_exclusion(cfg.folder)) if exclude else data


def _read_all(cfg: DataConfig, on_event: Callback | None, stop: threading.Event | None) -> FolderData:
    assert cfg.folder
    scan = scan_folder(cfg.folder)
    key = cache_key(scan, cfg)
    cached = cache_dir() / f"{key}.npz"
    data, note = _read_cache(cached)
    if data is not None:
        return data
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(exclusive(cached.parent, key))
        except (OSError, DataError):  # no writable cache folder: decode, and keep no copy
            return _decode(scan, cfg, on_event, stop, (note,) if note else ())
        data, later_note = _read_cache(cached)  # decoded by another process while this one waited
        if data is not None:
            return data
        notes = tuple(n for n in (note, later_note) if n)
        if notes and on_event:
            on_event(DataProgress("the cached copy was damaged: decoding again", 0, 1))
        data = _decode(scan, cfg, on_event, stop, notes)
        with contextlib.suppress(OSError):  # no cache this time; the data is still good
            _write_cache(cached, data)
        return data
