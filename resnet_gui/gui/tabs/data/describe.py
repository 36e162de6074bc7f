"""The Data tab's words: which settings change the preview, and the data set described for a title."""

from __future__ import annotations

from dataclasses import replace

from ....settings.config import SPECS, DataConfig


def preview_key(cfg: DataConfig) -> DataConfig:
    """``cfg`` with only the fields that change what the preview shows (the resize does not)."""
    if cfg.dataset == "folder":
        return replace(cfg, resize=0, root=None)
    default = DataConfig()
    root = None if cfg.dataset == "sample" else cfg.root
    return replace(default, dataset=cfg.dataset, root=root, resize=0)


def describe_source(cfg: DataConfig, settings: bool = False) -> str:
    """The data set in words: its label, or the folder (with ``settings``, how its images are decoded)."""
    if cfg.dataset != "folder":
        return SPECS["data.dataset"].choice_label(cfg.dataset)
    text = f"the image folder {cfg.folder}" if cfg.folder else "an image folder (none chosen yet)"
    if settings:
        colour = "grayscale" if cfg.channels == 1 else "colour"
        text += f", decoded to {cfg.image_size}×{cfg.image_size} {colour}"
    return text


def skipped_entry(entry: str, root: str | None) -> str:
    """A skipped file's "path: reason" with the path shortened to start inside ``root``."""
    if root and entry.startswith(root):
        return entry[len(root) :].lstrip("/\\")
    return entry


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
