"""Images of an image folder left out of training, listed in a small text file beside the images.

The user's images are never deleted or moved: ``<folder>/.resnet-gui-exclude.txt`` lists the
excluded ones by their path relative to the folder (POSIX slashes, one a line; ``#`` starts a
comment). Every run on the folder leaves them out of both splits (the held-out split is drawn
before, so the other images keep their split) and records how many, with a hash of the list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..files import atomic_write_text

EXCLUDE_FILE = ".resnet-gui-exclude.txt"
HEADER = (
    "# Images resnet-gui leaves out of training on this folder (paths relative to it, one a line).\n"
    "# Written by the Results tab's Suspicious labels page; edit or delete this file to bring them back.\n"
)


@dataclass(frozen=True)
class Exclusion:
    """What a run left out: the listed paths (sorted) and a short hash that names the list."""

    paths: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.paths)

    @property
    def sha256(self) -> str:
        """The first 16 hex digits of the SHA-256 of the sorted paths, one a line ("" for none)."""
        if not self.paths:
            return ""
        return hashlib.sha256("".join(f"{p}\n" for p in self.paths).encode()).hexdigest()[:16]

    def describe(self) -> str:
        """``"3 images excluded (list 1a2b…)"``, or "" when none were."""
        if not self.paths:
            return ""
        return f"{self.count} image{'s' if self.count != 1 else ''} excluded (list {self.sha256})"


def exclude_file(folder: str | Path) -> Path:
    """Where the exclude list of ``folder`` lives."""
    return Path(folder).expanduser() / EXCLUDE_FILE


def read_exclusion(folder: str | Path) -> Exclusion:
    """The images excluded in ``folder`` (none when it has no list); DataError when the list is unreadable."""
    path = exclude_file(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Exclusion(())
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"The exclude list {path} cannot be read ({e}): fix or delete it.") from None
    lines = (line.strip() for line in text.splitlines())
    return Exclusion(tuple(sorted({line for line in lines if line and not line.startswith("#")})))


def write_exclusion(folder: str | Path, paths: set[str] | list[str] | tuple[str, ...]) -> Exclusion:
    """List ``paths`` (relative to ``folder``) as excluded, replacing the list atomically; none removes it."""
    exclusion = Exclusion(tuple(sorted({p.strip() for p in paths if p.strip()})))
    path = exclude_file(folder)
    try:
        if exclusion.paths:
            atomic_write_text(path, HEADER + "".join(f"{p}\n" for p in exclusion.paths))
        else:
            path.unlink(missing_ok=True)
    except OSError as e:
        raise DataError(f"Cannot write the exclude list {path} ({e.strerror or e}): is the folder writable?") from None
    return exclusion


def update_exclusion(folder: str | Path, add: set[str], remove: set[str]) -> Exclusion:
    """Add ``add`` to the exclude list of ``folder`` and take ``remove`` off it (other entries stay)."""
    return write_exclusion(folder, (set(read_exclusion(folder).paths) - remove) | add)
