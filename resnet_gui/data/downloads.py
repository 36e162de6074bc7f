"""Downloading data files: progress events, checksums, temp files renamed into place, plain errors.

Each download writes a temp file of its own (two processes fetching the same file never share one)
and renames it into place once its checksum is right. A stop takes effect within a fraction of a
second even while the server is quiet (a watcher shuts the connection, which wakes the blocked
read); a server silent for longer than ``STALL_S`` ends the download with a message.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from ..errors import Cancelled, DataError
from ..training.events import Callback, DownloadProgress

STALL_S = 60.0  # a server silent this long has stalled
WATCH_S = 0.2  # how often a download checks its stop flag
CHUNK = 1 << 16


def offline() -> bool:
    """True when env RESNET_GUI_OFFLINE=1 forbids downloads (tests, air-gapped machines)."""
    return os.environ.get("RESNET_GUI_OFFLINE") == "1"


@contextlib.contextmanager
def exclusive(folder: Path, name: str) -> Iterator[None]:
    """Hold a lock file in ``folder`` (created if missing) so one process at a time prepares ``name``;
    the others wait here, then find its work done."""
    from filelock import FileLock

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"Cannot create the data folder {folder}: {e.strerror}. Choose another data folder.") from None
    with FileLock(str(folder / f".{name}.lock")):
        yield


@contextlib.contextmanager
def _stoppable(resp: http.client.HTTPResponse, stop: threading.Event | None) -> Iterator[None]:
    """While inside, a set ``stop`` shuts ``resp``'s connection, waking a read blocked on a quiet server."""
    if stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(WATCH_S):
            if stop.is_set():
                with (
                    contextlib.suppress(OSError),
                    socket.fromfd(resp.fileno(), socket.AF_INET, socket.SOCK_STREAM) as sock,
                ):
                    sock.shutdown(socket.SHUT_RDWR)  # shuts the connection itself, not just this copy of it
                return

    watcher = threading.Thread(target=watch, name="resnet-gui download watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def fetch(
    url: str,
    dest: Path,
    md5: str | None,
    label: str,
    on_event: Callback | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Download ``url`` to ``dest`` through a temp file of its own, check its MD5; DataError saying what to do.

    A set ``stop`` cancels within a second (raising Cancelled) and leaves no partial file behind.
    """
    if offline():
        raise DataError(
            f"{label} is not in {dest.parent} and downloads are switched off "
            "(RESNET_GUI_OFFLINE=1). Use the bundled sample, or copy the data there.",
            offer_sample=True,
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as e:
        raise DataError(
            f"Cannot write to the data folder {dest.parent}: {e.strerror}. Choose another data folder."
        ) from None
    tmp = Path(name)
    cancelled = Cancelled(f"The download of {label} was cancelled.")
    try:
        with urllib.request.urlopen(url, timeout=STALL_S) as resp, os.fdopen(fd, "wb") as out, _stoppable(resp, stop):
            total = int(resp.headers.get("Content-Length") or 0)
            done = 0
            while chunk := resp.read(CHUNK):
                if stop is not None and stop.is_set():
                    raise cancelled
                out.write(chunk)
                done += len(chunk)
                if on_event:
                    on_event(DownloadProgress(dest.name, done, total))
            if stop is not None and stop.is_set():
                raise cancelled
            if total and done < total:
                raise http.client.IncompleteRead(b"", total - done)
    except Cancelled:
        tmp.unlink(missing_ok=True)
        raise
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
        tmp.unlink(missing_ok=True)
        if stop is not None and stop.is_set():
            raise cancelled from None
        if isinstance(e, TimeoutError):
            raise DataError(
                f"The download of {label} stalled: the server sent nothing for {STALL_S:.0f} s. "
                "Try again later, or use the bundled sample.",
                offer_sample=True,
            ) from None
        reason = getattr(e, "reason", None) or (
            "the connection closed early" if isinstance(e, http.client.IncompleteRead) else e
        )
        raise DataError(
            f"Could not download {label} ({dest.name}: {reason}). Are you offline? "
            f"Use the bundled sample, or put the data in {dest.parent}.",
            offer_sample=True,
        ) from None
    # Imported here: torchvision.datasets adds 1.1-1.6 s to importing this module (measured), paid only on downloads.
    from torchvision.datasets.utils import check_md5

    if md5 and not check_md5(tmp, md5):
        tmp.unlink(missing_ok=True)
        raise DataError(f"The downloaded {dest.name} is corrupt (checksum mismatch); try again.", offer_sample=True)
    tmp.replace(dest)
