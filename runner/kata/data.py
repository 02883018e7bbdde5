"""Datasets for the course: MNIST through torchvision's real class, offline IDX folders, a fallback.

`load_mnist` tries, in order:
1. the folder named by the environment variable ``KATA_MNIST_DIR``: raw MNIST IDX
   files (``train-images-idx3-ubyte`` and friends, optionally ``.gz``), read offline;
2. ``<root>/MNIST/raw``, where torchvision keeps what it downloaded before;
3. a download by torchvision, under a socket timeout so that it can never hang;
4. scikit-learn's ``load_digits`` (real handwritten digits, 8x8), resized to 28x28,
   with a notice saying so.
When none works it raises `MnistUnavailable`, which says what was tried and what to do.

Every dataset it returns yields ``(image, label)`` pairs like
``MNIST(transform=ToTensor())``: a float tensor of shape (1, 28, 28) in [0, 1] and an int.

The core never prints: the notice comes back in `LoadedDigits.notice`, for the
caller to show. Importing this module is cheap: torch, torchvision and
scikit-learn are imported inside the functions that need them.

`write_idx_images` and `write_idx_labels` write tiny IDX files (what tests read
back through torchvision), and `render_digit` draws an image in the terminal with
Unicode half-blocks.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kata.errors import KataError

MNIST_DIR_ENV = "KATA_MNIST_DIR"
DATA_DIR_ENV = "KATA_DATA_DIR"
DEFAULT_TIMEOUT_S = 20.0
IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
DIGITS_TRAIN_SIZE = 1500  # of scikit-learn's 1797 digits; the rest are the held-out split


class MnistUnavailable(KataError):
    """Neither MNIST nor the fallback digits could be loaded."""


@dataclass
class LoadedDigits:
    """What `load_mnist` found.

    dataset: indexable and iterable, yielding (float tensor of shape (1, 28, 28) in [0, 1], int label)
    source:  "KATA_MNIST_DIR", "MNIST" or "scikit-learn digits"
    notice:  None for MNIST; for the fallback, a sentence for the caller to show
    """

    dataset: Any
    source: str
    notice: str | None = None

    def __len__(self) -> int:
        return len(self.dataset)


def mnist_file_names(train: bool = True) -> tuple[str, str]:
    """The raw file names torchvision reads for one split: (images, labels)."""
    prefix = "train" if train else "t10k"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def default_root() -> Path:
    """Where downloads go: $KATA_DATA_DIR, else the user's cache folder."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "kata" / "data"


def load_mnist(
    root: str | os.PathLike | None = None,
    train: bool = True,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    *,
    download: bool = True,
    fallback: bool = True,
) -> LoadedDigits:
    """MNIST's training (or test) split as (image, label) pairs; see the module docstring for the order tried.

    `timeout_s` bounds each network operation of the download (connecting, each read).
    `download=False` never touches the network; `fallback=False` raises instead of
    falling back to scikit-learn's digits.
    """
    tried: list[str] = []

    folder = os.environ.get(MNIST_DIR_ENV)
    if folder:
        try:
            return LoadedDigits(_from_folder(Path(folder).expanduser(), train), MNIST_DIR_ENV)
        except Exception as exc:  # noqa: BLE001 - every reason is reported below
            tried.append(f"{MNIST_DIR_ENV}={folder}: {_reason(exc)}")

    root_path = Path(root).expanduser() if root is not None else default_root()
    if _has_split(root_path / "MNIST" / "raw", train, all_splits=True):
        try:
            return LoadedDigits(_torchvision_mnist(root_path, train, download=False), "MNIST")
        except Exception as exc:  # noqa: BLE001
            tried.append(f"the MNIST files in {root_path / 'MNIST' / 'raw'}: {_reason(exc)}")
    elif download:
        try:
            return LoadedDigits(_download(root_path, train, timeout_s), "MNIST")
        except Exception as exc:  # noqa: BLE001
            tried.append(f"downloading MNIST into {root_path} (timeout {timeout_s:g} s): {_reason(exc)}")
    else:
        tried.append(f"no MNIST files in {root_path / 'MNIST' / 'raw'}, and downloading was turned off")

    if fallback:
        try:
            dataset = load_digits_as_mnist(train)
        except ImportError:
            tried.append("the fallback needs scikit-learn, which is not installed")
        except Exception as exc:  # noqa: BLE001
            tried.append(f"scikit-learn's digits: {_reason(exc)}")
        else:
            notice = (
                "MNIST could not be loaded (" + "; ".join(tried) + "). Using scikit-learn's "
                f"{len(dataset)} handwritten digits instead: 8x8 pixels scaled up to 28x28, so they look "
                "blurrier than MNIST's and accuracy will differ."
            )
            return LoadedDigits(dataset, "scikit-learn digits", notice)

    names = ", ".join(n + ".gz" for split in (True, False) for n in mnist_file_names(split))
    raise MnistUnavailable(
        "MNIST could not be loaded:\n" + "\n".join(f"  - {reason}" for reason in tried),
        f"Connect to the internet and try again; or download the four MNIST files ({names}) on another "
        f"machine, put them in one folder and set {MNIST_DIR_ENV} to that folder"
        + ("; or `pip install scikit-learn` for a small fallback set of digits." if fallback else "."),
    )


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _to_tensor():
    from torchvision.transforms import ToTensor

    return ToTensor()


def _torchvision_mnist(root: Path, train: bool, download: bool):
    from torchvision.datasets import MNIST

    return MNIST(root=str(root), train=train, download=download, transform=_to_tensor())


def _download(root: Path, train: bool, timeout_s: float):
    """torchvision's own download, with every socket operation bounded by `timeout_s`."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)
    try:
        return _torchvision_mnist(root, train, download=True)
    finally:
        socket.setdefaulttimeout(previous)


def _has_split(folder: Path, train: bool, all_splits: bool = False, gz: bool = False) -> bool:
    splits = (True, False) if all_splits else (train,)
    return all(
        (folder / name).is_file() or (gz and (folder / (name + ".gz")).is_file())
        for split in splits
        for name in mnist_file_names(split)
    )


def _from_folder(folder: Path, train: bool):
    """The split's IDX files from `folder` (or its MNIST/raw or raw), read by torchvision's MNIST class."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    candidates = (folder, folder / "MNIST" / "raw", folder / "raw")
    found = next((c for c in candidates if _has_split(c, train, gz=True)), None)
    if found is None:
        images, labels = mnist_file_names(train)
        raise FileNotFoundError(f"{folder} has no {images} and {labels} (plain or .gz)")
    if not _has_split(found, train):  # only .gz files: unpack them where we may write
        unpacked = default_root() / "unpacked" / hashlib.sha1(str(found.resolve()).encode()).hexdigest()[:16]
        unpacked.mkdir(parents=True, exist_ok=True)
        for name in mnist_file_names(train):
            if (found / name).is_file():
                shutil.copyfile(found / name, unpacked / name)
            else:
                with gzip.open(found / (name + ".gz"), "rb") as src, open(unpacked / name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        found = unpacked
    return _folder_mnist_class()(found, train=train, transform=_to_tensor())


def _folder_mnist_class():
    from torchvision.datasets import MNIST

    class FolderMNIST(MNIST):
        """torchvision's MNIST, reading one split's raw IDX files straight from one folder."""

        def __init__(self, folder: Path, train: bool = True, transform=None) -> None:
            self._folder = Path(folder)
            super().__init__(root=str(folder), train=train, transform=transform, download=False)

        @property
        def raw_folder(self) -> str:
            return str(self._folder)

        def _check_exists(self) -> bool:
            return _has_split(self._folder, self.train)

    return FolderMNIST


class TensorDigits:
    """(image, label) pairs held in memory: images a float tensor (N, 1, 28, 28), labels ints."""

    def __init__(self, images, labels) -> None:
        self.images = images
        self.labels = [int(label) for label in labels]
        if len(self.images) != len(self.labels):
            raise ValueError(f"{len(self.images)} images but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for {len(self)} digits")
        return self.images[index], self.labels[index]

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def load_digits_as_mnist(train: bool = True) -> TensorDigits:
    """scikit-learn's 8x8 handwritten digits, scaled up to 20x20 and centred in 28x28, like MNIST's.

    The first 1500 are the training split and the other 297 the held-out split.
    Raises ImportError when scikit-learn is not installed.
    """
    from sklearn.datasets import load_digits

    import torch

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    images = torch.nn.functional.interpolate(images, size=(20, 20), mode="bilinear", align_corners=False)
    images = torch.nn.functional.pad(images, (4, 4, 4, 4)).clamp(0.0, 1.0)
    labels = torch.tensor(digits.target)
    part = slice(0, DIGITS_TRAIN_SIZE) if train else slice(DIGITS_TRAIN_SIZE, None)
    return TensorDigits(images[part].contiguous(), labels[part].tolist())


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


def render_digit(img: Any, threshold: float = 0.5) -> str:
    """An image as text: each character is two pixels, drawn with the half-blocks ▀ ▄ █ (or a space).

    `img` is a tensor or array of shape (h, w), (1, h, w) or a flat square (h*w,);
    values in [0, 1], or 0-255 when the largest is above 1. A pixel is drawn when it
    is at least `threshold` (of 1).
    """
    import numpy as np

    if hasattr(img, "detach"):
        img = img.detach().cpu().numpy()
    pixels = np.asarray(img, dtype=np.float64)
    if pixels.ndim == 1:
        side = int(round(pixels.size ** 0.5))
        if side * side != pixels.size:
            raise ValueError(f"a flat image of {pixels.size} pixels is not square; give it as (height, width)")
        pixels = pixels.reshape(side, side)
    while pixels.ndim > 2 and pixels.shape[0] == 1:
        pixels = pixels[0]
    if pixels.ndim != 2:
        raise ValueError(f"render_digit draws one image of shape (h, w) or (1, h, w), not {tuple(np.shape(img))}")
    if pixels.size and pixels.max() > 1.0:
        pixels = pixels / 255.0
    on = pixels >= threshold
    if on.shape[0] % 2:
        on = np.vstack([on, np.zeros((1, on.shape[1]), dtype=bool)])
    glyph = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    return "\n".join(
        "".join(glyph[(bool(top), bool(bottom))] for top, bottom in zip(on[row], on[row + 1]))
        for row in range(0, on.shape[0], 2)
    )
