"""Loading torch's big shared libraries with Python's lock released, before ``import torch``.

``import torch`` loads libtorch (hundreds of MB of C++ whose static initialisers run on load)
from inside an extension-module import, which holds the GIL throughout: a window importing torch
in a background thread froze for 200-480 ms at a time (a 2 ms heartbeat on the development
machine). ctypes releases the GIL while it loads a library, so loading the largest ones with it
first leaves ``import torch`` mostly Python modules, which give the window its turn every few
milliseconds. Loading a library twice is free: the later import finds it already there by name.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from pathlib import Path

# In dependency order; the ones a build lacks (libtorch_cuda on a CPU-only wheel) are skipped.
LIBRARIES = ("libc10.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so", "libtorch_python.so")


def torch_library_folder() -> Path | None:
    """Where the installed torch keeps its shared libraries (None when torch is not installed)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "lib"


def preload_torch_libraries() -> list[str]:
    """Load torch's libraries on Linux before torch is imported; the names loaded.

    Anything unexpected (another platform, torch already imported, a library that will not load)
    leaves the work to ``import torch``, which then says what is wrong in its own words.
    """
    folder = torch_library_folder()
    if not sys.platform.startswith("linux") or "torch" in sys.modules or folder is None:
        return []
    loaded = []
    for name in LIBRARIES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            ctypes.CDLL(str(path))  # RTLD_LOCAL, as torch's own import loads them
        except OSError:
            break
        loaded.append(name)
    return loaded
