"""The device the GPU tests train on, and their skip marks.

Every test in tests/gpu skips when no CUDA GPU is present. For a dry run of the tests' own logic on
a machine without one, ``RESNET_GUI_GPU_TESTS_ON=cpu`` runs the tests that make sense on the CPU
(the GUI run, the CLI, checkpoints, bf16 autocast) with device "cpu"; the CUDA-only checks (bf16
chosen by "auto" on the GPU, running out of GPU memory) still skip. That checks the test code, not CUDA.
"""

from __future__ import annotations

import os

import pytest
import torch

from resnet_gui.settings.config import RunConfig, with_changes

DEVICE = os.environ.get("RESNET_GUI_GPU_TESTS_ON", "cuda")
if DEVICE not in ("cuda", "cpu"):
    raise pytest.UsageError(f"RESNET_GUI_GPU_TESTS_ON must be cuda or cpu, not {DEVICE!r}")

NO_CUDA = "no CUDA GPU here (torch.cuda.is_available() is False)"

# Skips a test that trains on DEVICE when that is CUDA and there is none.
needs_device = pytest.mark.skipif(DEVICE == "cuda" and not torch.cuda.is_available(), reason=NO_CUDA)
# Skips a test that only means something on a real CUDA GPU.
needs_cuda = pytest.mark.skipif(
    DEVICE != "cuda" or not torch.cuda.is_available(),
    reason=NO_CUDA if DEVICE == "cuda" else "CUDA-only check (dry run on the CPU)",
)

# A network that trains on the bundled sample in a second or two on a GPU.
TINY = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1, 1), "channels": 16},
    train={"epochs": 2, "batch_size": 256, "precision": "fp32", "device": DEVICE, "seed": 0},
)
