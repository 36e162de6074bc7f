"""torch's libraries load before ``import torch`` (with the GIL released), and torch still works after."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys
from resnet_gui.training.torch_loading import preload_torch_libraries
loaded = preload_torch_libraries()
import torch
print(",".join(loaded))
print(float(torch.nn.Linear(3, 2)(torch.ones(1, 3)).sum().detach()) == float("nan"))
print(preload_torch_libraries())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the preload is for Linux's shared libraries")
def test_preloaded_libraries_leave_a_working_torch() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True)
    loaded, is_nan, again = out.stdout.split("\n")[:3]
    assert "libtorch_cpu.so" in loaded.split(",")
    assert is_nan == "False"
    assert again == "[]"  # torch imported: nothing more to do
