"""Sizes and durations in words, for the window and the terminal alike (no torch, no Qt)."""

from __future__ import annotations


def format_bytes(n: float) -> str:
    """Decimal units with two or three significant digits: "512 B", "43 MB", "1.3 GB", "411 GB"."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.1f} {unit}" if value < 9.95 else f"{value:,.0f} {unit}"
    return f"{int(n)} B"


def say_duration(seconds: float) -> str:
    """72.4 -> "1 min 12 s"; 7530 -> "2 h 6 min"; 0.4 -> "1 s"."""
    total = max(1, round(seconds))
    if total < 60:
        return f"{total} s"
    if total < 3600:
        m, s = divmod(total, 60)
        return f"{m} min {s} s" if s else f"{m} min"
    h, m = divmod(round(total / 60), 60)
    return f"{h} h {m} min" if m else f"{h} h"


def against_estimate(seconds: float, estimated_s: float | None) -> str:
    """ "4 min 10 s (estimated 3 min 55 s, +6 %)", or the duration alone without an estimate."""
    if not estimated_s:
        return say_duration(seconds)
    off = 100 * (seconds - estimated_s) / estimated_s
    return f"{say_duration(seconds)} (estimated {say_duration(estimated_s)}, {off:+.0f} %)"


def describe_load(
    cpu_percent: float | None, ram_bytes: float | None, gpu_percent: float | None = None, gpu_bytes: float | None = None
) -> str:
    """ "CPU 97 % · RAM 1.2 GB · GPU 80 % · GPU memory 3.1 GB", leaving out what was not read ("" for nothing)."""
    parts = [
        f"{name} {text}"
        for name, value, text in (
            ("CPU", cpu_percent, f"{cpu_percent:.0f} %" if cpu_percent is not None else ""),
            ("RAM", ram_bytes, format_bytes(ram_bytes) if ram_bytes is not None else ""),
            ("GPU", gpu_percent, f"{gpu_percent:.0f} %" if gpu_percent is not None else ""),
            ("GPU memory", gpu_bytes, format_bytes(gpu_bytes) if gpu_bytes is not None else ""),
        )
        if value is not None
    ]
    return " · ".join(parts)
