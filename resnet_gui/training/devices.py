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
def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def cpu_has_fast_bf16() -> bool:
    """True when the CPU computes bfloat16 natively (AVX512-BF16 or AMX), where autocast pays off."""
    return "avx512_bf16" in _cpu_flags() or "amx_bf16" in _cpu_flags()


@functools.lru_cache(maxsize=1)
def cpu_has_amx() -> bool:
    """True when the CPU has AMX's bfloat16 tiles (Intel Xeon since Sapphire Rapids)."""
    return "amx_bf16" in _cpu_flags()


def device_name(device: torch.device) -> str:
    """What ``device`` is, for telling machines apart: the GPU's name, else the CPU model (``/proc/cpuinfo``)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    names = (line.split(":", 1)[1].strip() for line in _cpu_flags().splitlines() if line.startswith("model name"))
    model = next(names, "")
    return model or platform.processor() or platform.machine()


def resolve_precision(choice: str, device: torch.device) -> str:
    """ "bf16" or "fp32": auto takes bf16 where the hardware gains from it (CUDA, bf16-capable CPUs)."""
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
