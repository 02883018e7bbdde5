"""The offline fallback: scikit-learn's 8x8 handwritten digits, shaped like MNIST's (1, 28, 28) images.

Used by `load_mnist` when MNIST cannot be had; torch and scikit-learn are imported only when it is.
"""

from __future__ import annotations

DIGITS_TRAIN_SIZE = 1500  # of scikit-learn's 1797 digits; the rest are the held-out split


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
