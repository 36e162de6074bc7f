"""Which number format "auto" picks on a CPU: bf16 only where it was measured to train faster."""

from __future__ import annotations

import pytest
import torch

from resnet_gui.training import devices

SAPPHIRE_RAPIDS = "fpu sse2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8"
INTEL_NO_AMX = "fpu sse2 avx512f avx512_bf16 avx512_vnni"  # a Xeon whose AMX the VM hides (2026-12-01)
ZEN4 = "fpu sse2 avx512f avx512_bf16"
OLD = "fpu sse2 avx2 fma"


@pytest.mark.parametrize(
    ("flags", "vendor", "expected"),
    [
        (SAPPHIRE_RAPIDS, "GenuineIntel", "bf16"),
        (INTEL_NO_AMX, "GenuineIntel", "fp32"),
        (ZEN4, "AuthenticAMD", "bf16"),
        (OLD, "GenuineIntel", "fp32"),
        (OLD, "AuthenticAMD", "fp32"),
        ("", "", "fp32"),  # no /proc/cpuinfo (macOS, Windows)
    ],
)
def test_auto_precision_on_the_cpu_follows_the_measured_gains(
    monkeypatch: pytest.MonkeyPatch, flags: str, vendor: str, expected: str
) -> None:
    info = f"processor\t: 0\nvendor_id\t: {vendor}\nmodel name\t: Some CPU\nflags\t\t: {flags}\n\n" if flags else ""
    monkeypatch.setattr(devices, "_cpuinfo", lambda: info)
    devices.cpu_has_amx.cache_clear()
    try:
        assert devices.resolve_precision("auto", torch.device("cpu")) == expected
        assert devices.cpu_has_amx() == ("amx_bf16" in flags)
        # A choice made by the user is kept whatever the CPU.
        assert devices.resolve_precision("bf16", torch.device("cpu")) == "bf16"
        assert devices.resolve_precision("fp32", torch.device("cpu")) == "fp32"
    finally:
        devices.cpu_has_amx.cache_clear()


def test_a_flag_is_matched_whole_not_as_part_of_another() -> None:
    assert not devices.gains_from_bf16({"avx512_bf16x"}, "AuthenticAMD")
    assert not devices.gains_from_bf16({"amx_bf16_not"}, "GenuineIntel")


def test_the_cpu_model_is_read_from_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "_cpuinfo", lambda: "vendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\n")
    assert devices.device_name(torch.device("cpu")) == "Intel(R) Xeon(R)"
