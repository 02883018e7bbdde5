"""Telling whether a shared tensor changed, cheaply, in the learner's process.

A full checksum of every shared tensor after every call would cost milliseconds
per megabyte. `_cheap` sees what in-place ops, rebinding and new gradients
change (storage, autograd's version counter, shape, grad); only what it cannot
see, writes through `.data` or `.numpy()`, needs `_fingerprint`'s checksum, and
`_watch_untracked_writes` notes which tensors handed their memory out that way.
"""

from __future__ import annotations

import sys
from typing import Any

from kata.judge import wire


def _cheap(plain: Any) -> tuple:
    """What changes with any tracked write: storage, autograd's version counter, shape, grad."""
    grad = plain.grad if plain.is_leaf else None
    return (plain.data_ptr(), plain._version, tuple(plain.shape), plain.dtype, plain.requires_grad,
            None if grad is None else (id(grad), grad.data_ptr(), grad._version))


def _watch_untracked_writes(touched: set[int]) -> None:
    """Note tensors whose memory is handed out where writes bump no version counter.

    `x.data` and `x.numpy()` share x's memory but not its version counter, so a
    write through them (`x.data -= lr * x.grad`) is invisible to `_cheap`; such
    tensors get a full checksum at the next sync. Installed once per process.
    """
    torch = sys.modules.get("torch")
    if torch is None or getattr(torch.Tensor, "_kata_watched", False):
        return
    data = torch._C.TensorBase.data
    numpy = torch.Tensor.numpy

    def get_data(self):
        touched.add(id(self))
        base = self._base
        if base is not None:
            touched.add(id(base))
        return data.__get__(self)

    def set_data(self, value):
        data.__set__(self, value)

    def to_numpy(self, *args, **kwargs):
        touched.add(id(self))
        if self._base is not None:
            touched.add(id(self._base))
        return numpy(self, *args, **kwargs)

    torch.Tensor.data = property(get_data, set_data)
    torch.Tensor.numpy = to_numpy
    torch.Tensor._kata_watched = True


def _fingerprint(plain: Any) -> tuple:
    """(contents, requires_grad, grad): what must cross again when it changes."""
    grad = plain.grad if plain.is_leaf else None
    gsum: tuple | None = None
    if grad is not None:
        try:
            gsum = (tuple(grad.shape), wire.checksum(grad))
        except TypeError:
            gsum = ("?",)
    return ((plain.data_ptr(), tuple(plain.shape), str(plain.dtype), wire.checksum(plain)), plain.requires_grad, gsum)
