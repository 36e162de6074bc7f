"""Keep freed host memory mapped while training on the CPU, so steps stop page-faulting.

glibc's malloc serves every block above its mmap threshold (32 MB at most) with a fresh ``mmap``
and unmaps it on ``free``. A training step on the CPU allocates and frees its large activations
each time, so the kernel maps and zero-fills them again every step: for the seed's ResNet-18 at
96 px and batch 256 that is about 100,000 page faults and 0.2-0.3 s of kernel time per step on
the development CPU, 10-20 % of the step (``benchmarks/throughput.py`` measures the effect).

While ``reuse_freed_memory()`` is active, large blocks come from the heap and freed memory stays
there for the next step; on exit the defaults come back and free memory is returned to the
system. Threads started after ``share_main_arena()`` use the main heap too: a thread's own
arena would still ``mmap`` blocks over 64 MB. Elsewhere (macOS, Windows, musl) both do nothing.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# mallopt(3) parameters and glibc's defaults.
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
M_ARENA_MAX = -8
DEFAULT_TRIM_THRESHOLD = 128 * 1024
DEFAULT_MMAP_MAX = 65536
NEVER_TRIM = -1  # mallopt(3): "Setting M_TRIM_THRESHOLD to -1 disables trimming completely."

_lock = threading.Lock()
_active = 0


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        for name in ("gnu_get_libc_version", "mallopt", "malloc_trim"):  # the first only glibc has
            getattr(libc, name)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def supported() -> bool:
    """Whether this process's C library lets us tune malloc (glibc on Linux)."""
    return _LIBC is not None


def share_main_arena() -> bool:
    """Make threads started from now on allocate from the main heap; call once at process start."""
    return _LIBC is not None and bool(_LIBC.mallopt(M_ARENA_MAX, 1))


def in_effect() -> bool:
    """Whether some ``reuse_freed_memory()`` is active in this process now."""
    return _LIBC is not None and _active > 0


@contextmanager
def reuse_freed_memory() -> Iterator[bool]:
    """Serve large blocks from the heap and keep freed memory mapped until the outermost exit.

    Yields whether the tuning is in effect. Nested and concurrent uses share one setting.
    """
    global _active
    if _LIBC is None:
        yield False
        return
    with _lock:
        _active += 1
        if _active == 1:
            _LIBC.mallopt(M_MMAP_MAX, 0)
            _LIBC.mallopt(M_TRIM_THRESHOLD, NEVER_TRIM)
    try:
        yield True
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _LIBC.mallopt(M_MMAP_MAX, DEFAULT_MMAP_MAX)
                _LIBC.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
                _LIBC.malloc_trim(0)
