"""Training on a CUDA GPU: the CLI, bf16 autocast, checkpoints across devices, out of memory.

Run by ``benchmarks/gpu_check.sh``; every test skips when no CUDA GPU is present (see conftest.py for a
dry run of the test code on the CPU).
"""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from cuda_helpers import DEVICE, TINY, needs_cuda, needs_device

from resnet_gui.errors import TrainingError
from resnet_gui.inference.predictions import evaluate_checkpoint
from resnet_gui.inference.trained import load_trained
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.checkpoint import load_checkpoint
from resnet_gui.training.devices import resolve_precision
from resnet_gui.training.engine import fit

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m resnet_gui ARGS`` from the repository root, offline, its output captured."""
    env = {**os.environ, "RESNET_GUI_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "resnet_gui", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@needs_device
def test_cli_trains_on_cuda(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.sqlite")
    done = run_cli(
        "train",
        "--device",
        DEVICE,
        "--data",
        "sample",
        "--resize",
        "0",
        "--blocks",
        "1,1",
        "--channels",
        "16",
        "--epochs",
        "1",
        "--json",
        "--runs-db",
        db,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    epochs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [e["epoch"] for e in epochs] == [1] and 0.0 <= epochs[0]["test_acc"] <= 1.0
    shown = run_cli("runs", "show", "1", "--json", "--runs-db", db, timeout=120)
    assert shown.returncode == 0, shown.stderr[-3000:]
    run = json.loads(shown.stdout)
    assert run["status"] == "finished" and run["device"] == DEVICE


@needs_cuda
def test_auto_precision_is_bf16_on_a_bf16_capable_gpu() -> None:
    cuda = torch.device("cuda")
    expected = "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    assert resolve_precision("auto", cuda) == expected
    if torch.cuda.get_device_capability() >= (8, 0):  # Ampere and later compute bf16 natively
        assert expected == "bf16"


@needs_device
def test_bf16_autocast_trains() -> None:
    from resnet_gui.model.resnet import build_model

    cfg = with_changes(TINY, train={"precision": "bf16"})
    net = build_model(with_changes(cfg, model={"in_channels": 1, "num_classes": 10}).model)
    first_conv = next(m for m in net.modules() if isinstance(m, torch.nn.Conv2d))
    dtypes: set[torch.dtype] = set()
    first_conv.register_forward_hook(lambda _m, _i, out: dtypes.add(out.dtype))
    result = fit(cfg, model=net)
    assert result.status == "finished" and result.device == DEVICE and result.precision == "bf16"
    assert dtypes == {torch.bfloat16}, "the convolutions did not run in bf16"
    losses = [e.loss for e in result.history]
    assert all(math.isfinite(x) for x in losses) and losses[1] < losses[0]
    assert result.history[-1].test_acc > 0.5


@needs_device
def test_checkpoint_from_cuda_loads_and_scores_on_the_cpu(tmp_path: Path) -> None:
    result = fit(with_changes(TINY, train={"epochs": 1}), checkpoint_dir=tmp_path)
    assert result.status == "finished" and result.device == DEVICE and result.last_checkpoint
    trained_acc = result.history[-1].test_acc

    ckpt = load_checkpoint(result.last_checkpoint)
    assert {t.device.type for t in ckpt["model"].values()} == {"cpu"}
    trained = load_trained(result.last_checkpoint)
    assert {p.device.type for p in trained.net.parameters()} == {"cpu"}
    assert not trained.net.training

    on_cpu = evaluate_checkpoint(result.last_checkpoint, device="cpu")
    assert on_cpu.images == 1000
    # fp32 on both sides; cuDNN may pick TF32 convolutions, so a few borderline images may flip.
    assert abs(on_cpu.accuracy - trained_acc) <= 0.01, (on_cpu.accuracy, trained_acc)

    # The run continued on the CPU from the GPU's checkpoint: optimizer state and RNG come across.
    resumed = fit(
        with_changes(TINY, train={"epochs": 2, "device": "cpu"}), resume=ckpt, checkpoint_dir=tmp_path / "cpu"
    )
    assert resumed.status == "finished" and resumed.device == "cpu"
    assert [e.epoch for e in resumed.history] == [1, 2]
    assert resumed.history[0] == result.history[0]


@needs_cuda
def test_out_of_memory_says_what_to_lower_and_the_gpu_recovers() -> None:
    # The seed network, 256 channels at 512 px on the whole sample in one batch: the first
    # convolution's output alone (6000 x 256 x 256 x 256 floats, 400 GB) exceeds any one GPU, so
    # the allocator refuses it before any kernel touches a tensor that large.
    huge = with_changes(
        RunConfig(),
        data={"dataset": "sample", "resize": 512},
        model={"channels": 256},
        train={"epochs": 1, "batch_size": 65536, "precision": "fp32", "device": "cuda"},
    )
    with pytest.raises(TrainingError) as caught:
        fit(huge)
    message = str(caught.value)
    del caught  # its traceback holds the failed run's tensors
    assert message.startswith("Out of memory on cuda"), message
    assert "batch size 65536" in message and "512 px" in message and "lower the batch size" in message
    gc.collect()
    torch.cuda.empty_cache()
    held = torch.cuda.memory_allocated() / 2**30
    assert held < 1, f"{held:.2f} GiB of tensors still held on the GPU after the failed run"
    again = fit(with_changes(TINY, train={"epochs": 1}))
    assert again.status == "finished" and again.device == "cuda"
