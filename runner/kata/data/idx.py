"""Tiny IDX files, the raw format of MNIST: what tests and checks write and torchvision reads back.

Gzipped when the path ends in `.gz`; named as torchvision expects them by `write_mnist_split`.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import Any

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension


def mnist_file_names(train: bool = True) -> tuple[str, str]:
    """The raw file names torchvision reads for one split: (images, labels)."""
    prefix = "train" if train else "t10k"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def _as_uint8_array(values: Any, ndim: int, what: str):
    import numpy as np

    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.ndim != ndim:
        raise ValueError(f"{what} should have {ndim} dimensions, but it has shape {array.shape}")
    if array.dtype != np.uint8:
        if array.size and (array.min() < 0 or array.max() > 255 or not np.all(np.equal(np.mod(array, 1), 0))):
            raise ValueError(f"{what} should hold whole numbers from 0 to 255 (uint8)")
        array = array.astype(np.uint8)
    return array


def _write(path: str | os.PathLike, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def write_idx_images(path: str | os.PathLike, array_uint8: Any) -> Path:
    """Write images of shape (n, rows, cols), whole numbers 0-255, as an IDX file (gzipped if path ends in .gz)."""
    array = _as_uint8_array(array_uint8, 3, "the images")
    n, rows, cols = array.shape
    return _write(path, struct.pack(">IIII", IMAGES_MAGIC, n, rows, cols) + array.tobytes(order="C"))


def write_idx_labels(path: str | os.PathLike, labels: Any) -> Path:
    """Write labels (whole numbers 0-255, one per image) as an IDX file (gzipped if path ends in .gz)."""
    array = _as_uint8_array(labels, 1, "the labels")
    return _write(path, struct.pack(">II", LABELS_MAGIC, len(array)) + array.tobytes())


def write_mnist_split(folder: str | os.PathLike, images: Any, labels: Any, train: bool = True) -> Path:
    """Write one split's two raw files into `folder`, named as torchvision expects them."""
    images_name, labels_name = mnist_file_names(train)
    write_idx_images(Path(folder) / images_name, images)
    write_idx_labels(Path(folder) / labels_name, labels)
    return Path(folder)
