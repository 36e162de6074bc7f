"""How much memory a training run needs, estimated before anything large is allocated.

Parameters, gradients and optimizer state follow from the parameter count. The activations are
what autograd keeps for the backward pass, read off the meta-device shape walk (``summary.py``):
each convolution's output (the BN after it keeps it), each BN's output size once (the ReLU after
it keeps its own output, the BN's is freed), the max-pool's output and its int64 indices, and the
input batch; under bf16 autocast the maps are bfloat16 and backward also keeps the bfloat16 copies
of the weights. Against ``saved_tensors_hooks`` this is within 2 % for the networks built here
(BN's per-channel statistics are left out), and a training step's live memory peaks within 1-8 %
of it, at the end of the forward pass. What the device must provide is more: the allocator's
overhead (``HEAP_FACTOR``) and the runtime's own (``RUNTIME_BYTES``).

The walk covers at most two blocks per stage: the later blocks of a stage repeat the second one
exactly, so a network of 384 blocks is estimated as fast as ResNet-18.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from ..errors import TrainingError
from ..settings.config import ModelConfig, RunConfig
from ..units import format_bytes
from .summary import LayerRow, Summary, summarize

FLOAT32, BFLOAT16, INT64 = 4, 2, 8
# Memory the allocator holds for the activations, per byte autograd keeps. On the CPU, glibc's heap
# (which keeps freed memory while training: training/host_memory.py) grows to 2.2-3.3 times the live
# activations over the first steps of a run, because the gradients made in backward rarely fit the
# holes the freed activations leave (benchmarks/memory_estimate.py; docs/benchmarks.md, "Memory
# estimate"). With every large block unmapped on free instead, the peak is the live size. On a GPU,
# PyTorch's caching allocator reuses its blocks; its rounding and cuDNN's workspace are allowed for
# with a quarter more, not measured here.
HEAP_FACTOR = {"cpu": 2.5}
DEVICE_FACTOR = 1.25
# What a first training step adds on the CPU whatever the batch (oneDNN's kernels and caches, OpenMP's
# threads): measured at batch 2. Counted with the activations, the step's working memory.
RUNTIME_BYTES = {"cpu": 24_000_000}
# The block parts on the skip path: their conv output is kept only when a BN follows it, their BN
# output never (the sum and the ReLU after it are the block's).
SHORTCUT_PARTS = {"Residual": ("conv3", "bn3"), "Bottleneck": ("conv4", "bn4")}


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a training run holds at its peak, by part; ``peak_bytes`` is their sum."""

    parameters_bytes: int
    gradients_bytes: int
    optimizer_bytes: int
    activations_bytes: int
    data_bytes: int
    peak_bytes: int

    def parts(self) -> str:
        """ "parameters 43 MB, gradients 43 MB, optimizer 86 MB, activations 1.1 GB" (and the data, if any)."""
        text = (
            f"parameters {format_bytes(self.parameters_bytes)}, gradients {format_bytes(self.gradients_bytes)}, "
            f"optimizer {format_bytes(self.optimizer_bytes)}, activations {format_bytes(self.activations_bytes)}"
        )
        return text + (f", data {format_bytes(self.data_bytes)}" if self.data_bytes else "")

    def describe(self) -> str:
        """One line: "about 1.3 GB at the peak — parameters 43 MB, ..."."""
        return f"about {format_bytes(self.peak_bytes)} at the peak — {self.parts()}"

    def to_dict(self) -> dict[str, int]:
        """The fields by name, for JSON."""
        return asdict(self)


def memory_line(estimate: MemoryEstimate, batch_size: int, precision: str, optimizer: str, device: str) -> str:
    """ "Memory for batch 256 (bf16, Adam, cpu): about 1.3 GB at the peak — parameters 45 MB, ..."."""
    name = {"adam": "Adam", "sgd": "SGD", "muon": "Muon + SGD"}.get(optimizer, optimizer)
    return f"Memory for batch {batch_size:,} ({precision}, {name}, {device}): {estimate.describe()}"


def optimizer_states(optimizer: str, momentum: float = 0.0) -> int:
    """Tensors of state per parameter: Adam's two averages, SGD's momentum buffer when it has momentum
    (with muon the filters always keep one, and they are nearly all of the parameters)."""
    if optimizer == "adam":
        return 2
    if optimizer == "muon":
        return 1
    return 1 if optimizer == "sgd" and momentum > 0 else 0


def _reduced(model_cfg: ModelConfig) -> tuple[ModelConfig, tuple[int, ...]]:
    """The network with at most two blocks per stage, and how many more copies of each stage's second block."""
    kept = tuple(min(n, 2) for n in model_cfg.blocks)
    return replace(model_cfg, blocks=kept), tuple(n - k for n, k in zip(model_cfg.blocks, kept, strict=True))


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _block_maps(block: LayerRow) -> int:
    """Elements per image that backward keeps from one residual block."""
    conv, norm = SHORTCUT_PARTS.get(block.type, ("", ""))
    has_norm = any(p.name == norm for p in block.parts)
    kept = 0
    for part in block.parts:
        if part.name == norm or (part.name == conv and not has_norm):
            continue
        if part.type in ("Conv2d", "BatchNorm2d"):
            kept += _numel(part.output_shape)
    return kept


def _kept_per_image(summary: Summary, repeats: tuple[int, ...], precision: str) -> int:
    """Bytes per image that autograd keeps for backward (weights aside)."""
    size = BFLOAT16 if precision == "bf16" else FLOAT32
    kept = _numel(summary.input_shape) * size  # the input (its bfloat16 copy under autocast)
    stage = 0
    for row in summary.top_level:
        elements = _numel(row.output_shape)
        if row.name.startswith("resnet_block"):
            for i, block in enumerate(summary.children(row.name)):
                kept += _block_maps(block) * size * (1 + (repeats[stage] if i == 1 else 0))
            stage += 1
        elif row.type == "MaxPool2d":
            kept += elements * (size + INT64)
        elif row.type == "Sequential":  # the logits, and the loss's float32 log-probabilities
            kept += elements * (size + FLOAT32)
        elif row.type != "BatchNorm2d":
            kept += elements * size
    return kept


def _parameters(summary: Summary, repeats: tuple[int, ...]) -> int:
    stages = [r for r in summary.top_level if r.name.startswith("resnet_block")]
    return summary.total_params + sum(
        n * summary.children(row.name)[1].params for row, n in zip(stages, repeats, strict=True) if n
    )


def _walk(
    model_cfg: ModelConfig, input_shape: tuple[int, int, int], summary: Summary | None
) -> tuple[Summary, tuple[int, ...]]:
    """A summary to count from (the one given, else one of at most two blocks per stage) and its repeats."""
    if summary is not None:
        return summary, (0,) * len(model_cfg.blocks)
    reduced, repeats = _reduced(model_cfg)
    return summarize(reduced, input_shape), repeats


def _saved(summary: Summary, repeats: tuple[int, ...], batch_size: int, precision: str) -> int:
    kept = batch_size * _kept_per_image(summary, repeats, precision)
    if precision == "bf16":
        kept += _parameters(summary, repeats) * BFLOAT16  # autocast's weight copies
    return kept


def saved_bytes(
    model_cfg: ModelConfig,
    input_shape: tuple[int, int, int],
    batch_size: int,
    precision: str = "fp32",
    summary: Summary | None = None,
) -> int:
    """Bytes autograd keeps for backward after a training-mode forward pass of ``batch_size`` images.

    ``summary``, when given, is ``summarize(model_cfg, input_shape)`` already computed.
    """
    return _saved(*_walk(model_cfg, input_shape, summary), batch_size, precision)


def estimate_memory(
    model_cfg: ModelConfig,
    input_shape: tuple[int, int, int],
    batch_size: int,
    precision: str = "fp32",
    optimizer: str = "adam",
    momentum: float = 0.9,
    data_bytes: int = 0,
    device: str = "cpu",
    summary: Summary | None = None,
) -> MemoryEstimate:
    """The memory one training process on ``device`` ("cpu", "cuda", "mps") needs for ``batch_size`` images of
    ``input_shape`` (C, H, W after the resize), in ``precision`` ("fp32" or "bf16") with ``optimizer`` ("adam"
    or "sgd"). ``data_bytes`` (the data set kept on the device) is counted in the peak as given; ``summary``,
    when given, is ``summarize(model_cfg, input_shape)`` already computed."""
    walked, repeats = _walk(model_cfg, input_shape, summary)
    parameters = _parameters(walked, repeats) * FLOAT32  # autocast keeps float32 weights
    live = _saved(walked, repeats, batch_size, precision)
    if precision == "bf16":
        live += batch_size * _numel(walked.input_shape) * FLOAT32  # the float32 batch itself, held by the loop
    activations = round(live * HEAP_FACTOR.get(device, DEVICE_FACTOR)) + RUNTIME_BYTES.get(device, 0)
    optimizer_bytes = optimizer_states(optimizer, momentum) * parameters
    peak = parameters * 2 + optimizer_bytes + activations + data_bytes
    return MemoryEstimate(parameters, parameters, optimizer_bytes, activations, data_bytes, peak)


def _cgroup_room() -> int | None:
    """Bytes this process's cgroup (v2) may still use, not counting reclaimable file cache; None without a limit."""
    root = Path("/sys/fs/cgroup")
    try:
        limit = (root / "memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int((root / "memory.current").read_text())
        stat = dict(line.split() for line in (root / "memory.stat").read_text().splitlines() if line.count(" ") == 1)
        return max(0, int(limit) - used + int(stat.get("inactive_file", 0)))
    except (OSError, ValueError):
        return None


def available_bytes(device: torch.device | str) -> int:
    """Memory free for a run on ``device``: the GPU's free memory (plus PyTorch's cached, unused blocks) on
    CUDA; the host's available memory on the CPU and on MPS (unified memory), within a cgroup limit if any."""
    device = torch.device(device)
    if device.type == "cuda":
        free = torch.cuda.mem_get_info(device)[0]
        return int(free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device))
    import psutil

    available = int(psutil.virtual_memory().available)
    room = _cgroup_room() if os.name == "posix" else None
    return available if room is None else min(available, room)


def check_run_fits(
    cfg: RunConfig,
    model_cfg: ModelConfig,
    images: Sequence[torch.Tensor],
    device: torch.device,
    precision: str,
    world_size: int = 1,
) -> MemoryEstimate:
    """Estimate a run on ``device`` and raise TrainingError (what is needed, what there is, what to lower) when
    its peak exceeds the free memory. ``images`` are the data set's uint8 tensors (train first); each of
    ``world_size`` processes trains on its share of a batch."""
    train = images[0]
    c, h, w = (int(s) for s in train.shape[1:])
    side = cfg.data.resize
    shape = (c, side, side) if side else (c, h, w)
    t = cfg.train
    batch = -(-min(t.batch_size, len(train)) // world_size)
    # On the CPU the data set is already in this process's memory, so no longer among the available bytes.
    data = 0 if device.type == "cpu" else sum(x.numel() * x.element_size() + len(x) * INT64 for x in images)
    estimate = estimate_memory(model_cfg, shape, batch, precision, t.optimizer, t.momentum, data, device.type)
    # Processes on one host share its memory; GPUs are one per process.
    processes = world_size if device.type != "cuda" else 1
    available = available_bytes(device)
    if estimate.peak_bytes * processes <= available:
        return estimate
    each = f" for each of {processes} processes" if processes > 1 else ""
    at = f" and {side} px" if side else ""
    # Worded as the engine's message for running out mid-run (tests/gpu expects these words on CUDA too).
    raise TrainingError(
        f"Out of memory on {device.type} at batch size {t.batch_size}{at}: this run needs about "
        f"{format_bytes(estimate.peak_bytes)}{each} ({estimate.parts()}) but only {format_bytes(available)} is "
        "free; lower the batch size, the resize, or the network's channels or blocks."
    )
