"""Which device and number format a run uses."""

from __future__ import annotations

import functools
import platform

import torch

# torch.accelerator may also report xpu, mtia, hpu, ...; the engine's precision, memory and distributed paths are
# written for these two (and the CPU), so "auto" takes only them.
SUPPORTED_ACCELERATORS = ("cuda", "mps")


def _accelerator() -> str | None:
    """The device type of torch's accelerator when one is usable here and supported, else None."""
    acc = torch.accelerator.current_accelerator(check_available=True)
    return acc.type if acc is not None and acc.type in SUPPORTED_ACCELERATORS else None


def available_devices() -> list[str]:
    """Device names the user can pick here: always "auto" and "cpu", plus "cuda"/"mps" if present."""
    acc = _accelerator()
    return ["auto", "cpu"] + ([acc] if acc else [])


def resolve_device(name: str) -> torch.device:
    """Turn a device choice into a torch device: auto picks CUDA, then Apple MPS, then the CPU."""
    if name == "auto":
        return torch.device(_accelerator() or "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was chosen but no CUDA GPU is available; choose auto or cpu")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device 'mps' was chosen but Apple MPS is not available; choose auto or cpu")
    return torch.device(name)


@functools.lru_cache(maxsize=1)
def _cpuinfo() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def _cpuinfo_field(name: str) -> str:
    """The first value of ``name`` in ``/proc/cpuinfo`` ("" where there is none)."""
    values = (
        line.split(":", 1)[1].strip() for line in _cpuinfo().splitlines() if line.split(":", 1)[0].strip() == name
    )
    return next(values, "")


def _cpu_flags() -> set[str]:
    """The words of the ``flags`` line of ``/proc/cpuinfo`` (empty where there is none)."""
    return set(_cpuinfo_field("flags").split())


def gains_from_bf16(flags: set[str], vendor: str) -> bool:
    """Whether bf16 autocast trains faster than float32 on a CPU with these ``/proc/cpuinfo`` flags and vendor.

    Measured (docs/benchmarks.md, "Precision on the CPU"): AMX tiles 2.05x (Intel Xeon, the seed's network);
    AVX512-BF16 on an AMD EPYC 2.55x; AVX512-BF16 on an Intel Xeon without AMX 0.89x, and 0.71x for fast-cpu's
    network: there oneDNN's bf16 kernels lose to its float32 ones, so float32.
    """
    return "amx_bf16" in flags or ("avx512_bf16" in flags and vendor == "AuthenticAMD")


def cpu_has_fast_bf16() -> bool:
    """True when bf16 autocast pays off on this CPU (see ``gains_from_bf16``)."""
    return gains_from_bf16(_cpu_flags(), _cpuinfo_field("vendor_id"))


@functools.lru_cache(maxsize=1)
def cpu_has_amx() -> bool:
    """True when the CPU has AMX's bfloat16 tiles (Intel Xeon since Sapphire Rapids)."""
    return "amx_bf16" in _cpu_flags()


def device_name(device: torch.device) -> str:
    """What ``device`` is, for telling machines apart: the GPU's name, else the CPU model (``/proc/cpuinfo``)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return _cpuinfo_field("model name") or platform.processor() or platform.machine()


def resolve_precision(choice: str, device: torch.device) -> str:
    """ "bf16" or "fp32": auto takes bf16 where the hardware gains (CUDA, CPUs with AMX or AMD's AVX512-BF16)."""
    if choice != "auto":
        return choice
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type == "cpu" and cpu_has_fast_bf16():
        return "bf16"
    return "fp32"


def describe_auto() -> str:
    """A short label of what "auto" means on this machine, e.g. "cpu, bf16"."""
    device = resolve_device("auto")
    return f"{device.type}, {resolve_precision('auto', device)}"
