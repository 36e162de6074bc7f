"""Freed host memory is kept for reuse while training on the CPU, and handed back afterwards."""

from __future__ import annotations

import inspect
import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from resnet_gui.training import host_memory
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd

pytestmark = pytest.mark.skipif(not host_memory.supported(), reason="malloc tuning needs glibc")

ROOT = Path(__file__).resolve().parents[2]
BLOCK = 64 * 2**20  # larger than glibc's largest mmap threshold (32 MB), like a step's activations
PAGE = 4096


def page_faults_of_cycles(cycles: int = 6) -> int:
    """Minor page faults of this thread while allocating, touching and freeing BLOCK ``cycles`` times."""
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    for _ in range(cycles):
        block = bytearray(BLOCK)
        block[::PAGE] = b"\x01" * (BLOCK // PAGE)
        del block
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


# Page faults depend on what the process did before: heap memory that earlier tests freed serves a
# block without a fresh mapping, and a thread started after share_main_arena() still takes a free arena
# that an earlier, finished thread left behind (in which a 64 MB block is always mmapped). The app calls
# share_main_arena() at its start, before any thread. So each measurement runs in a fresh process.
PRELUDE = f"""
import json
import resource
import threading

from resnet_gui.training import host_memory

BLOCK, PAGE = {BLOCK}, {PAGE}
{inspect.getsource(page_faults_of_cycles)}
"""


def measured_in_a_fresh_process(body: str) -> Any:
    """Run ``body`` after PRELUDE in a new Python process; what it prints as JSON."""
    proc = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_inside_the_policy_freed_blocks_are_reused_without_faulting_again() -> None:
    outside, active, inside, after = measured_in_a_fresh_process("""
        outside = page_faults_of_cycles()
        with host_memory.reuse_freed_memory() as active:
            inside = page_faults_of_cycles()
        after = page_faults_of_cycles()
        print(json.dumps([outside, active, inside, after]))
    """)
    assert active
    assert outside >= 5 * BLOCK // PAGE  # every cycle maps its pages afresh
    assert inside < outside / 3  # only the first cycle faults
    assert after > outside / 2  # the defaults are back afterwards


def test_nested_policies_hold_until_the_outermost_exit() -> None:
    still = measured_in_a_fresh_process("""
        with host_memory.reuse_freed_memory():
            with host_memory.reuse_freed_memory():
                page_faults_of_cycles(1)
            still = page_faults_of_cycles()
        print(json.dumps(still))
    """)
    assert still < 2 * BLOCK // PAGE


def test_a_thread_started_after_share_main_arena_also_reuses_memory() -> None:
    faults = measured_in_a_fresh_process("""
        host_memory.share_main_arena()
        faults = []

        def train_like_the_gui_worker():
            with host_memory.reuse_freed_memory():
                page_faults_of_cycles(1)
                faults.append(page_faults_of_cycles())

        thread = threading.Thread(target=train_like_the_gui_worker)
        thread.start()
        thread.join()
        print(json.dumps(faults[0]))
    """)
    assert faults < BLOCK // PAGE


def test_training_on_the_cpu_runs_inside_the_policy_and_hands_memory_back_after() -> None:
    seen: list[bool] = []
    cfg = RunConfig(
        ModelConfig(blocks=(1,), channels=8),
        DataConfig(dataset="sample", resize=0),
        TrainConfig(epochs=1, batch_size=500, device="cpu", precision="fp32"),
    )
    fit(
        cfg,
        callbacks=[lambda e: seen.append(host_memory.in_effect()) if isinstance(e, BatchEnd) else None],
        report_every_s=0,
    )
    assert seen and all(seen)
    assert not host_memory.in_effect()
