"""Workarounds for defects of the Qt binding, kept in one place.

PySide6 6.12.0 on Python 3.11 drops one reference to ``True`` on every ``SignalInstance.emit()``
called from Python (the ``True`` it returns is not owned). After a few thousand emits ``True``
is deallocated and the process aborts with "bool_dealloc". ``emit`` gives the reference back
where a probe shows the leak, and is a plain emit elsewhere.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    ping = Signal()


@functools.lru_cache(maxsize=1)
def emit_leaks_true() -> bool:
    """True when this binding loses a reference to ``True`` per emit (measured once)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.ping.emit()
    leaked = before - sys.getrefcount(True)
    if leaked > 0:
        for _ in range(leaked):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return leaked >= 16


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)``, giving back the reference to ``True`` the binding may drop."""
    signal.emit(*args)
    if emit_leaks_true():
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
