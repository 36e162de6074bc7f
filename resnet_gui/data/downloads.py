"""Downloading data files: progress events, checksums, temp files renamed into place, plain errors."""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import Cancelled, DataError
from ..training.events import Callback, DownloadProgress


def offline() -> bool:
    """True when env RESNET_GUI_OFFLINE=1 forbids downloads (tests, air-gapped machines)."""
    return os.environ.get("RESNET_GUI_OFFLINE") == "1"


def fetch(url: str, dest: Path, md5: str | None, label: str, on_event: Callback | None = None,
          stop: threading.Event | None = None) -> None:
    """Download ``url`` to ``dest`` (through ``dest``.part), check its MD5; DataError saying what to do.

    A set ``stop`` cancels between chunks (raising Cancelled) and leaves no partial file behind.
    """
    if offline():
        raise DataError(f"{label} is not in {dest.parent} and downloads are switched off "
                        "(RESNET_GUI_OFFLINE=1). Use the bundled sample, or copy the data there.",
                        offer_sample=True)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"Cannot create the data folder {dest.parent}: {e.strerror}. "
                        "Choose another data folder.") from None
    tmp = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=30) as resp, open(tmp, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0)
            done = 0
            while chunk := resp.read(1 << 16):
                if stop is not None and stop.is_set():
                    raise Cancelled(f"The download of {label} was cancelled.")
                out.write(chunk)
                done += len(chunk)
                if on_event:
                    on_event(DownloadProgress(dest.name, done, total))
    except Cancelled:
        tmp.unlink(missing_ok=True)
        raise
    except (urllib.error.URLError, OSError, ValueError) as e:
        tmp.unlink(missing_ok=True)
        reason = getattr(e, "reason", None) or e
        raise DataError(f"Could not download {label} ({dest.name}: {reason}). Are you offline? "
                        f"Use the bundled sample, or put the data in {dest.parent}.", offer_sample=True) from None
    # Imported here: torchvision.datasets adds 1.1-1.6 s to importing this module (measured), paid only on downloads.
    from torchvision.datasets.utils import check_md5

    if md5 and not check_md5(tmp, md5):
        tmp.unlink(missing_ok=True)
        raise DataError(f"The downloaded {dest.name} is corrupt (checksum mismatch); try again.", offer_sample=True)
    tmp.replace(dest)
