"""The memory estimate: exact about what autograd keeps, fast for any network, and the engine's refusal."""

import re
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn

import resnet_gui.model.memory as memory
from resnet_gui.data.datasets import load_sample
from resnet_gui.errors import TrainingError
from resnet_gui.model.memory import (
    HEAP_FACTOR,
    RUNTIME_BYTES,
    MemoryEstimate,
    available_bytes,
    check_run_fits,
    estimate_memory,
    format_bytes,
    optimizer_states,
    saved_bytes,
)
from resnet_gui.model.resnet import build_model, count_params
from resnet_gui.settings.config import ModelConfig, RunConfig, with_changes
from resnet_gui.training.engine import fit

HUGE = ModelConfig(channels=256, blocks=(64,) * 6)  # about 100 billion parameters
HUGE_PARAMS = 102_702_789_130
TINY = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 8},
    train={"epochs": 1, "batch_size": 256, "precision": "fp32"},
)


def autograd_keeps(cfg: ModelConfig, shape: tuple[int, int, int], batch: int, precision: str) -> int:
    """Bytes of the distinct tensors (weights aside) that a training forward pass saves for backward."""
    torch.manual_seed(0)
    net = build_model(cfg).train().to(memory_format=torch.channels_last)
    x = torch.rand(batch, *shape).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, cfg.num_classes, (batch,))
    weights = {p.untyped_storage().data_ptr() for p in net.parameters()}
    saved: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in weights:
            saved[storage.data_ptr()] = storage.nbytes()
        return t

    cast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), cast:
        nn.functional.cross_entropy(net(x), y)
    return sum(saved.values())


@pytest.mark.parametrize(
    "cfg,shape",
    [
        (ModelConfig(), (1, 96, 96)),
        (ModelConfig(blocks=(1, 1, 1), channels=32, stem="small"), (1, 28, 28)),
        (ModelConfig(blocks=(1, 1, 1), channels=32, stem="small", pool_first=True), (1, 28, 28)),
        (ModelConfig(blocks=(3, 2), channels=16, block="bottleneck", in_channels=3), (3, 64, 64)),
        (ModelConfig(blocks=(2, 3), channels=16, block="bottleneck", block_style="torchvision"), (1, 32, 32)),
        (
            ModelConfig(blocks=(1, 4, 2), channels=8, block_style="torchvision", stem="small", stem_pool=False),
            (1, 28, 28),
        ),
    ],
)
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_saved_bytes_are_what_autograd_keeps(cfg: ModelConfig, shape: tuple[int, int, int], precision: str) -> None:
    # Blocks beyond the second of a stage are counted, not walked: (1, 4, 2) and (3, 2) check that too.
    # What is left out: BN's per-channel mean and inverse deviation (under 2 %).
    measured = autograd_keeps(cfg, shape, 4, precision)
    assert saved_bytes(cfg, shape, 4, precision) == pytest.approx(measured, rel=0.02)


def test_parameters_of_stages_counted_not_walked() -> None:
    cfg = ModelConfig(blocks=(5, 3, 1), channels=8, block="bottleneck")
    assert estimate_memory(cfg, (1, 28, 28), 1).parameters_bytes == 4 * count_params(build_model(cfg))


def test_parts_and_peak() -> None:
    cfg = ModelConfig(blocks=(1, 1, 1), channels=32, stem="small")
    params = count_params(build_model(cfg))
    adam = estimate_memory(cfg, (1, 28, 28), 256, "fp32", "adam", data_bytes=5_000_000)
    assert adam.parameters_bytes == adam.gradients_bytes == 4 * params
    assert adam.optimizer_bytes == 2 * adam.parameters_bytes
    heap = round(saved_bytes(cfg, (1, 28, 28), 256) * HEAP_FACTOR["cpu"])
    assert adam.activations_bytes == heap + RUNTIME_BYTES["cpu"]
    assert adam.peak_bytes == (
        adam.parameters_bytes + adam.gradients_bytes + adam.optimizer_bytes + adam.activations_bytes + adam.data_bytes
    )
    assert estimate_memory(cfg, (1, 28, 28), 256, "fp32", "sgd", 0.9).optimizer_bytes == 4 * params
    assert estimate_memory(cfg, (1, 28, 28), 256, "fp32", "sgd", 0.0).optimizer_bytes == 0
    assert optimizer_states("adam") == 2 and optimizer_states("sgd", 0.9) == 1 and optimizer_states("sgd", 0) == 0
    # bf16 halves the maps (the float32 batch and backward's bfloat16 weight copies aside).
    bf16 = estimate_memory(cfg, (1, 28, 28), 256, "bf16", "adam")
    assert 0.45 < bf16.activations_bytes / adam.activations_bytes < 0.65
    # Activations grow with the batch, in proportion.
    double = estimate_memory(cfg, (1, 28, 28), 512, "fp32", "adam")
    runtime = RUNTIME_BYTES["cpu"]
    assert double.activations_bytes - runtime == pytest.approx(2 * (adam.activations_bytes - runtime), rel=1e-6)
    # On a GPU the caching allocator holds less around them than glibc's heap.
    assert estimate_memory(cfg, (1, 28, 28), 256, device="cuda").activations_bytes < adam.activations_bytes


def test_describe_in_decimal_units() -> None:
    assert [format_bytes(n) for n in (512, 43_000_000, 1_300_000_000, 411e9, 2.3e12)] == [
        "512 B",
        "43 MB",
        "1.3 GB",
        "411 GB",
        "2.3 TB",
    ]
    e = MemoryEstimate(43_000_000, 43_000_000, 86_000_000, 1_100_000_000, 0, 1_272_000_000)
    assert e.describe() == (
        "about 1.3 GB at the peak — parameters 43 MB, gradients 43 MB, optimizer 86 MB, activations 1.1 GB"
    )
    assert "data 4.7 MB" in MemoryEstimate(1, 1, 0, 1, 4_704_000, 4_704_003).describe()
    assert e.to_dict()["peak_bytes"] == 1_272_000_000


def test_hundred_billion_parameters_estimated_in_a_blink() -> None:
    estimate_memory(ModelConfig(blocks=(1,), channels=4), (1, 28, 28), 1)  # torch's meta kernels load once
    start = time.perf_counter()
    e = estimate_memory(HUGE, (1, 96, 96), 256)
    assert time.perf_counter() - start < 1.0
    assert e.parameters_bytes == 4 * HUGE_PARAMS


def test_available_bytes_on_the_cpu() -> None:
    import psutil

    free = available_bytes("cpu")
    assert 0 < free <= psutil.virtual_memory().total


def _peak_rss() -> tuple[int, bool]:
    """This process's peak resident set, reset first where Linux allows (else its resident set now)."""
    status = Path("/proc/self/status")
    try:
        Path("/proc/self/clear_refs").write_text("5")
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024, True
    except (OSError, StopIteration):
        import psutil

        return psutil.Process().memory_info().rss, False


def _peak_since(start: tuple[int, bool]) -> int:
    if start[1]:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024 - start[0]
    import psutil

    return psutil.Process().memory_info().rss - start[0]


def test_hundred_billion_parameters_refused_before_any_allocation() -> None:
    # The run from the issue: 8 minutes, 24 GB, then killed by the kernel.
    cfg = with_changes(
        RunConfig(), data={"dataset": "sample"}, model={"channels": 256, "blocks": (64,) * 6}, train={"epochs": 1}
    )
    fit(TINY)  # torch's lazily imported modules load once, as any run loads them
    before = _peak_rss()
    start = time.perf_counter()
    with pytest.raises(TrainingError) as caught:
        fit(cfg)
    seconds = time.perf_counter() - start
    grown = _peak_since(before)
    message = str(caught.value)
    assert seconds < 5, f"refused after {seconds:.1f} s"
    assert grown < 100e6, f"peak memory grew by {grown / 1e6:.0f} MB"
    assert message.startswith("Out of memory on cpu at batch size 256 and 96 px: this run needs about ")
    assert "TB" in message and "parameters 411 GB, gradients 411 GB, optimizer 822 GB, activations " in message
    assert re.search(
        r"\) but only [\d.,]+ (MB|GB|TB) is free; lower the batch size, the resize, or the network's "
        r"channels or blocks\.$",
        message,
    ), message


def test_a_batch_of_65536_at_512_px_refused() -> None:
    cfg = with_changes(RunConfig(), data={"dataset": "sample", "resize": 512}, train={"epochs": 1, "batch_size": 65536})
    with pytest.raises(TrainingError, match=r"batch size 65536 and 512 px: this run needs about [\d.,]+ (GB|TB)"):
        fit(cfg)


def test_refusal_names_the_sizes_when_memory_is_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda _device: 100_000_000)
    cfg = with_changes(RunConfig(), data={"dataset": "sample"}, train={"epochs": 1, "precision": "fp32"})
    with pytest.raises(TrainingError) as caught:
        fit(cfg)
    expected = estimate_memory(ModelConfig(), (1, 96, 96), 256, "fp32", "adam")
    assert str(caught.value) == (
        f"Out of memory on cpu at batch size 256 and 96 px: this run needs about {format_bytes(expected.peak_bytes)} "
        f"({expected.parts()}) but only 100 MB is free; lower the batch size, the resize, or the network's channels "
        "or blocks."
    )


def test_the_batch_is_what_each_process_cuts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda _device: 10**15)
    data = load_sample()
    images = (data.train_x, data.test_x)
    cfg = with_changes(RunConfig(), data={"dataset": "sample", "resize": 0}, train={"batch_size": 65536})
    model = ModelConfig(blocks=(1,), channels=8)
    one = check_run_fits(cfg, model, images, torch.device("cpu"), "fp32")
    assert one == estimate_memory(model, (1, 28, 28), 6000, "fp32", "adam")  # no batch beyond the data set
    two = check_run_fits(cfg, model, images, torch.device("cpu"), "fp32", world_size=2)
    assert two == estimate_memory(model, (1, 28, 28), 3000, "fp32", "adam")
    # Processes on one host share its memory.
    monkeypatch.setattr(memory, "available_bytes", lambda _device: two.peak_bytes * 3 // 2)
    with pytest.raises(TrainingError, match="for each of 2 processes"):
        check_run_fits(cfg, model, images, torch.device("cpu"), "fp32", world_size=2)


def test_on_a_gpu_the_data_set_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda _device: 10**15)
    data = load_sample()
    cfg = with_changes(RunConfig(), data={"dataset": "sample", "resize": 0})
    model = ModelConfig(blocks=(1,), channels=8)
    e = check_run_fits(cfg, model, (data.train_x, data.test_x), torch.device("cuda"), "bf16")
    assert e.data_bytes == 7000 * 28 * 28 + 7000 * 8


def test_a_small_run_still_trains() -> None:
    result = fit(TINY)
    assert result.status == "finished" and len(result.history) == 1


@pytest.mark.skipif(sys.platform != "linux", reason="reads the cgroup file system")
def test_cgroup_room_is_none_or_a_size() -> None:
    room = memory._cgroup_room()
    assert room is None or room >= 0
