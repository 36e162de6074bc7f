"""The wheel: built from this checkout, installed in a fresh venv, it trains on the bundled sample out of the box."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import resnet_gui

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "resnet_gui/_assets/fashion_mnist_sample.npz"  # pyproject's force-include of assets/

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment, less anything that would point the venv back at this checkout or its test settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("RESNET_GUI_ASSETS", "PYTHONPATH", "PYTHONHOME")}
    env.update(
        RESNET_GUI_RUNS=str(tmp_path / "runs.sqlite"),
        RESNET_GUI_OFFLINE="1",
        RESNET_GUI_DATA=str(tmp_path / "data"),
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def test_wheel_installs_and_trains_outside_the_checkout(tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)]
    if importlib.util.find_spec("hatchling") is not None:  # the test extra installs it: no download
        build.insert(4, "--no-build-isolation")
    _run(build, cwd=tmp_path, env=env)

    (wheel,) = dist.glob("resnet_gui-*.whl")
    assert wheel.name.startswith(f"resnet_gui-{resnet_gui.__version__}-")  # the version comes from __init__.py
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        dist_info = f"resnet_gui-{resnet_gui.__version__}.dist-info"
        metadata = zf.read(f"{dist_info}/METADATA").decode()
    assert SAMPLE in names
    assert f"{dist_info}/licenses/LICENSE" in names
    assert "License-Expression: MIT" in metadata.splitlines()
    assert not any(name.startswith(("assets/", "tests/")) for name in names)

    # A fresh venv that sees the installed torch (system site-packages) and system pip; the wheel alone
    # goes in. --ignore-installed: the checkout's editable install has the same version, and pip would
    # otherwise call the wheel already installed.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    python, cli = env_dir / "bin" / "python", env_dir / "bin" / "resnet-gui"
    _run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)],
        cwd=tmp_path,
        env=env,
    )
    assert cli.is_file()

    work = tmp_path / "work"  # outside the checkout, so nothing resolves relative to it
    work.mkdir()
    where = _run([str(python), "-c", "import resnet_gui; print(resnet_gui.__file__)"], cwd=work, env=env)
    package = Path(where.stdout.strip()).resolve()
    assert package.is_relative_to(env_dir.resolve()), package
    assert not package.is_relative_to(ROOT), package

    train = _run(
        [str(cli), "train", "--data", "sample", "--blocks", "1,1,1,1", "--channels", "8", "--epochs", "1"],
        cwd=work,
        env=env,
    )
    assert "epoch 1, loss " in train.stdout, train.stdout + train.stderr
