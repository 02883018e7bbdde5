"""Datasets for the course: MNIST through torchvision's real class, offline IDX folders, a fallback.

`load_mnist` tries, in order:
1. the folder named by the environment variable ``KATA_MNIST_DIR``: raw MNIST IDX
   files (``train-images-idx3-ubyte`` and friends, optionally ``.gz``), read offline;
2. ``<root>/MNIST/raw``, where torchvision keeps what it downloaded before;
3. a download by torchvision, under a socket timeout so that it can never hang, after a quick
   probe of the mirrors (``probe.py``: no network falls back within seconds; ``KATA_OFFLINE=1``
   skips the network);
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

The parts: `mnist` (the order above, torchvision, the time-out), `digits` (the
fallback), `idx` (writing IDX files) and `render` (`render_digit`). Their public names are
importable from `kata.data` itself.
"""

from kata.data.digits import DIGITS_TRAIN_SIZE, TensorDigits, load_digits_as_mnist
from kata.data.idx import mnist_file_names, write_idx_images, write_idx_labels, write_mnist_split
from kata.data.mnist import (DATA_DIR_ENV, DEFAULT_TIMEOUT_S, MNIST_DIR_ENV, LoadedDigits, MnistUnavailable, default_root,
                             load_mnist)
from kata.data.render import render_digit

__all__ = [
    "MNIST_DIR_ENV", "DATA_DIR_ENV", "DEFAULT_TIMEOUT_S", "DIGITS_TRAIN_SIZE", "MnistUnavailable", "LoadedDigits",
    "TensorDigits", "default_root", "load_mnist", "load_digits_as_mnist", "mnist_file_names", "write_idx_images",
    "write_idx_labels", "write_mnist_split", "render_digit",
]
