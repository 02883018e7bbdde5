# %%
import numpy as np
from kata.earlier import earlier, extend

# NumPy and PyTorch broadcast. Adding a bias of shape (3,) to a batch of shape
# (2, 3) adds it to every row; a (2, 1) column and a (1, 3) row give a (2, 3)
# table. In the backward pass, the bias was used by every row, so its gradient
# is the sum of what every row sends back, and it must come back with the
# bias's own shape: a gradient always has exactly its tensor's shape, or
# `p - lr * p.grad` would silently broadcast the bias into a matrix.
#
# Your tasks:
# - `unbroadcast(grad, shape)`: a gradient of the broadcast result's shape,
#   summed over what broadcasting added to reach `shape`: the leading
#   dimensions `shape` lacks, and the dimensions where `shape` has size 1.
# - `Tensor.__add__`, `__mul__` and `__truediv__` for operands of any two
#   broadcastable shapes (or a plain number), each with its backward.
# (Subtraction and the reversed operations are given, built on yours.)
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN (`@extend(Tensor)` adds the
# methods below to your Tensor).
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Tensor = earlier("04").Tensor
_as_tensor = earlier("04")._as_tensor
numerical_grad = earlier("03").numerical_grad


@extend(Tensor)
class Tensor:
    def __add__(self, other):
        """self + other, broadcasting as NumPy does."""
        # TODO
        raise NotImplementedError("Tensor.__add__: self + other for any broadcastable shapes, with its backward")

    def __mul__(self, other):
        """self * other, elementwise, broadcasting as NumPy does."""
        # TODO
        raise NotImplementedError("Tensor.__mul__: self * other for any broadcastable shapes, with its backward")

    def __truediv__(self, other):
        """self / other, elementwise, broadcasting as NumPy does."""
        # TODO
        raise NotImplementedError("Tensor.__truediv__: self / other for any broadcastable shapes, with its backward")

    def __rtruediv__(self, other):  # other / self
        return _as_tensor(other) / self


def unbroadcast(grad, shape):
    """`grad` summed back to `shape`: over the leading dimensions broadcasting added, and where shape has size 1."""
    # TODO
    raise NotImplementedError("unbroadcast: sum grad over what broadcasting added, back to `shape`")


# %%
if __name__ == "__main__":
    batch = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    bias = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    out = batch * bias + bias / 2
    out.backward(np.ones((2, 3)))
    print("bias.grad:", bias.grad, " shape", bias.grad.shape, "(should be (3,))")
    # Check one gradient against finite differences, as you will for every operation from now on:
    f = lambda b: float(np.sum(batch.data * b + b / 2))  # noqa: E731
    print("numerically:", numerical_grad(f, bias.data).round(6))
