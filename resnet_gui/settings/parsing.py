"""Settings typed as text (the form's fields, the command line): parsers whose messages say what to type."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from typing import Any

from .fields import Spec, format_value


def parse_int(text: str) -> int:
    """A whole number, or ValueError saying why the text is not one."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("enter a whole number")
    try:
        return int(stripped)
    except ValueError:
        raise ValueError(f"'{stripped}' is not a whole number") from None


def parse_float(text: str) -> float:
    """A finite number, or ValueError saying why the text is not one."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("enter a number, e.g. 0.001")
    try:
        value = float(stripped)
    except ValueError:
        raise ValueError(f"'{stripped}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"'{stripped}' is not a finite number")
    return value


def parse_blocks(text: str) -> tuple[int, ...]:
    """Parse "2,2,2,2" into (2, 2, 2, 2); raise ValueError with a reason a user can act on."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("enter the residual blocks per stage, e.g. 2,2,2,2")
    parts = [p.strip() for p in (stripped.split(",") if "," in stripped else stripped.split())]
    if stripped.endswith(","):
        parts = parts[:-1]
    values: list[int] = []
    for i, part in enumerate(parts, start=1):
        if not part:
            raise ValueError(f"stage {i} is empty: write a whole number, e.g. 2,2,2,2")
        try:
            values.append(int(part))
        except ValueError:
            raise ValueError(f"stage {i} is '{part}', not a whole number") from None
    return tuple(values)


def parse_shape(text: str) -> tuple[int, int, int]:
    """Parse an input shape "C,H,W" such as "1,96,96"; raise ValueError with the reason."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 3:
        raise ValueError(f"input shape must be C,H,W (three numbers), got '{text}'")
    try:
        c, h, w = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"input shape must be whole numbers C,H,W, got '{text}'") from None
    if min(c, h, w) < 1:
        raise ValueError(f"input shape must be positive, got '{text}'")
    return c, h, w


def parse_text(spec: Spec, text: str) -> Any:
    """The value of a text field for the setting ``spec``; empty means None where None is allowed."""
    if spec.optional and not text.strip():
        return None
    if spec.kind == "blocks":
        return parse_blocks(text)
    if spec.kind == "int":
        return parse_int(text)
    if spec.kind == "float":
        return parse_float(text)
    return text.strip()


def format_text(spec: Spec, value: Any) -> str:
    """The text a field shows for ``value`` (the inverse of ``parse_text``)."""
    return format_value(value)


def as_fields(section: str, values: dict[str, Any], specs: Mapping[str, Spec]) -> dict[str, Any]:
    """A section's values as its fields hold them, from what files, the command line and old versions wrote."""
    sub = dict(values)
    if isinstance(sub.get("blocks"), list):
        sub["blocks"] = tuple(sub["blocks"])
    elif isinstance(sub.get("blocks"), str):  # "2,2,2,2", as the command line takes it
        with contextlib.suppress(ValueError):  # not blocks: validate names the field
            sub["blocks"] = parse_blocks(sub["blocks"])
    if section == "data" and sub.get("dataset") == "folder" and "folder" not in sub:
        sub["folder"] = sub.pop("root", None)  # runs and files from before the image folder had its own field
    if isinstance(sub.get("augment"), bool):  # runs and files from before the flip-only choice
        sub["augment"] = "crop+flip" if sub["augment"] else "none"
    for key, value in sub.items():  # TOML and JSON write 1.0 as 1: a whole number is a fine float
        if specs[f"{section}.{key}"].kind == "float" and type(value) is int:
            sub[key] = float(value)
    return sub
