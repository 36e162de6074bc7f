"""An image folder read by two processes at once, and a damaged cached copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from resnet_gui.data.image_folder import DAMAGED_CACHE, cache_dir, read_folder
from resnet_gui.settings.config import DataConfig

REPO = Path(__file__).resolve().parents[2]
READ = """
import sys, hashlib
from resnet_gui.data.image_folder import read_folder
from resnet_gui.settings.config import DataConfig
f = read_folder(DataConfig(dataset="folder", folder=sys.argv[1], image_size=16))
print(hashlib.md5(f.train_x.tobytes() + f.test_x.tobytes()).hexdigest(), f.from_cache)
"""


def make_folder(root: Path, per_class: int = 60) -> Path:
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def test_two_processes_reading_a_new_folder_at_once_both_succeed_and_decode_it_once(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "pictures")
    env = {**os.environ, "RESNET_GUI_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", READ, str(root)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    digests = {out.split()[0] for out, _ in outs}
    assert len(digests) == 1
    assert sorted(out.split()[1] for out, _ in outs) == ["False", "True"]  # one decoded, the other read its cache
    assert [p.suffix for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")] == [".npz"]


def test_a_damaged_cache_is_rebuilt_with_a_note(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RESNET_GUI_CACHE", str(tmp_path / "cache"))
    root = make_folder(tmp_path / "pictures", per_class=5)
    cfg = DataConfig(dataset="folder", folder=str(root), image_size=16)
    first = read_folder(cfg)
    (cached,) = cache_dir().glob("*.npz")
    cached.write_bytes(cached.read_bytes()[:200])  # cut short: a zip without its directory
    again = read_folder(cfg)
    assert not again.from_cache and again.notes == (DAMAGED_CACHE,)
    assert np.array_equal(again.train_x, first.train_x)
    assert read_folder(cfg).from_cache  # and the rebuilt cache is good
