"""uint8 numpy images as Qt images and pixmaps (no torch here)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap


def to_qimage(image: np.ndarray) -> QImage:
    """A QImage (owning its pixels) of a uint8 image shaped (C, H, W) with C 1 or 3, (H, W) or (H, W, 3)."""
    arr = np.asarray(image, dtype=np.uint8)
    if arr.ndim == 3 and arr.shape[0] in (1, 3) and arr.shape[-1] != 3:  # channels first
        arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    if arr.ndim == 2:
        return QImage(arr.data, w, h, arr.strides[0], QImage.Format.Format_Grayscale8).copy()
    if arr.ndim == 3 and arr.shape[2] == 3:
        return QImage(arr.data, w, h, arr.strides[0], QImage.Format.Format_RGB888).copy()
    raise ValueError(f"cannot show an image shaped {image.shape}")


def scaled_pixmap(image: QImage, side: int) -> QPixmap:
    """``image`` scaled to fit a ``side`` x ``side`` square with sharp (nearest-neighbour) pixels."""
    return QPixmap.fromImage(
        image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
    )
