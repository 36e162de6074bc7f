"""Workarounds for defects of the Qt binding, kept in one place.

PySide6 6.12.0 on Python 3.11 drops one reference to ``True`` on every ``SignalInstance.emit()``
called from Python (the ``True`` it returns is not owned), and one to ``None`` on every call of
a method returning nothing (``setText``, ``processEvents``, ...). After enough calls the object
is deallocated and the process aborts ("bool_dealloc", "none_dealloc"). ``pin_singletons``
gives ``None``, ``True`` and ``False`` a reserve of references no session can use up (they are
immortal from Python 3.12 on); ``emit`` also gives back each reference an emit drops.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


def pin_singletons() -> None:
    """Make ``None``, ``True`` and ``False`` effectively immortal on Pythons where they are not."""
    if sys.version_info >= (3, 12):
        return  # immortal objects (PEP 683): their reference counts are never decremented to 0
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40


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
