"""Asking for a file to save: the suffix is part of the name the dialog checks before overwriting."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def ask_save_path(parent: QWidget, title: str, proposed: str | Path, filters: str, suffix: str) -> str:
    """The file the user chose ("" when cancelled), ending in ``.suffix``.

    The dialog appends the suffix itself (``setDefaultSuffix``) before it asks whether to replace
    an existing file, so the file it asked about is the file that will be written.
    """
    dialog = QFileDialog(parent, title, str(proposed), filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix(suffix.lstrip("."))
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return ""
    path = dialog.selectedFiles()[0]
    if not path.lower().endswith(f".{suffix.lstrip('.').lower()}"):
        return ""  # another suffix typed on purpose: the dialog checked that name, not ours; ask again
    return path
