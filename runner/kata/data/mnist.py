"""MNIST through torchvision's real class: an offline folder, torchvision's cache, a download under a
time-out, then the fallback digits; `load_mnist` tries them in that order (see `kata.data`).

The core never prints: a notice comes back in `LoadedDigits.notice`, for the caller to show.
torch and torchvision are imported inside the functions that need them.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kata import settings
from kata.data.digits import load_digits_as_mnist
from kata.data.idx import mnist_file_names
from kata.data.probe import OFFLINE_ENV, PROBE_TIMEOUT_S, mirrors_override, offline, unreachable
from kata.errors import KataError

MNIST_DIR_ENV = "KATA_MNIST_DIR"
DATA_DIR_ENV = "KATA_DATA_DIR"
DEFAULT_TIMEOUT_S = 20.0


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


def default_root() -> Path:
    """Where downloads go: $KATA_DATA_DIR, else the user's cache folder."""
    if settings.current().data_dir:
        return Path(settings.current().data_dir).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "kata" / "data"


def load_mnist(
    root: str | os.PathLike | None = None,
    train: bool = True,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    *,
    download: bool = True,
    fallback: bool = True,
    probe_timeout_s: float = PROBE_TIMEOUT_S,
) -> LoadedDigits:
    """MNIST's training (or test) split as (image, label) pairs; see the module docstring for the order tried.

    `timeout_s` bounds each network operation of the download (connecting, each read); before it, one
    connection to the mirrors must succeed within `probe_timeout_s` in all, so that no network falls back
    at once rather than after every mirror's time-out for every file ($KATA_OFFLINE=1: no download).
    `download=False` never touches the network; `fallback=False` raises instead of
    falling back to scikit-learn's digits.
    """
    tried: list[str] = []

    folder = settings.current().mnist_dir
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
    elif download and offline():
        tried.append(f"{OFFLINE_ENV} is set, so MNIST was not downloaded")
    elif download:
        no_network = unreachable(_mirrors(), probe_timeout_s)
        if no_network:
            tried.append(no_network)
        else:
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


def _mirrors() -> list[str]:
    from torchvision.datasets import MNIST

    return mirrors_override() or list(MNIST.mirrors)


def _download(root: Path, train: bool, timeout_s: float):
    """torchvision's own download, with every socket operation bounded by `timeout_s`."""
    from torchvision.datasets import MNIST

    previous = socket.getdefaulttimeout()
    previous_mirrors = MNIST.mirrors
    socket.setdefaulttimeout(timeout_s)
    MNIST.mirrors = _mirrors()
    try:
        return _torchvision_mnist(root, train, download=True)
    finally:
        socket.setdefaulttimeout(previous)
        MNIST.mirrors = previous_mirrors


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
