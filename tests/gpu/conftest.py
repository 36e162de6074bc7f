"""Fixtures of the GPU tests: a private run history, the GUI's garbage guard, GPU memory handed back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch


@pytest.fixture
def runs_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A run history of the test's own (env RESNET_GUI_RUNS, read by the window's session and the CLI)."""
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("RESNET_GUI_RUNS", str(path))
    monkeypatch.setenv("RESNET_GUI_OFFLINE", "1")
    monkeypatch.setenv("RESNET_GUI_SETTINGS", str(tmp_path / "settings.ini"))
    return path


@pytest.fixture
def gui_garbage_guard(qapp: object) -> Iterator[None]:
    """As the app does: Qt objects freed by a collection in a worker thread would crash Qt."""
    import gc

    from resnet_gui.gui.app import collect_garbage_in_gui_thread

    guard = collect_garbage_in_gui_thread()
    yield
    guard.timer.stop()
    gc.enable()


@pytest.fixture(autouse=True)
def _cuda_memory_released() -> Iterator[None]:
    """Each test starts from what the last one left freed: cached blocks go back to the GPU."""
    yield
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        import gc

        gc.collect()
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
