# %%
import numpy as np
from kata.earlier import earlier, extend

# The matrix product `a @ b` of an (n, k) and a (k, m) Tensor is (n, m): the
# heart of every Linear layer. Its gradients are matrix products too, each of
# its own operand's shape.
#
# Your task: `Tensor.__matmul__` for two 2-D Tensors. When the inner sizes
# differ, raise PyTorch's RuntimeError, "mat1 and mat2 shapes cannot be
# multiplied (2x3 and 4x5)" with the real shapes: NumPy's own error is far
# harder to read.
#
# Then a 1-D operand, as torch.matmul takes it: on the left, a (k,) vector is a
# row (1, k); on the right, a column (k, 1); that size-1 dimension is dropped
# from the result. So (k,) @ (k, m) is (m,), (n, k) @ (k,) is (n,), and
# (k,) @ (k,) is a single number, shape (). The gradient of a 1-D operand is 1-D
# too, of its own shape.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN (`@extend(Tensor)` adds the
# methods below to your Tensor).
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Tensor = earlier("05").Tensor
_as_tensor = earlier("04")._as_tensor
numerical_grad = earlier("03").numerical_grad


@extend(Tensor)
class Tensor:
    def __matmul__(self, other):
        """The matrix product: (n, k) @ (k, m) is (n, m); a 1-D operand as torch.matmul takes it."""
        other = _as_tensor(other)
        # torch's rules for a 1-D operand: on the left it is a row (1, k), on the right a column (k, 1), and that
        # size-1 dimension is dropped from the result; its gradient comes back 1-D, its own shape.
        if self.ndim == 1:
            row = Tensor._result(self.data.reshape(1, -1), (self,), lambda grad: (grad.reshape(self.shape),))
            out = row @ other
            return Tensor._result(out.data.reshape(out.shape[1:]), (out,), lambda grad: (grad.reshape(out.shape),))
        if other.ndim == 1:
            column = Tensor._result(other.data.reshape(-1, 1), (other,), lambda grad: (grad.reshape(other.shape),))
            out = self @ column
            return Tensor._result(out.data.reshape(out.shape[:-1]), (out,), lambda grad: (grad.reshape(out.shape),))
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(f"matmul here takes two 2-D tensors, not {self.ndim}-D and {other.ndim}-D")
        if self.shape[1] != other.shape[0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied "
                f"({self.shape[0]}x{self.shape[1]} and {other.shape[0]}x{other.shape[1]})"
            )

        def backward(grad):
            return grad @ other.data.T, self.data.T @ grad

        return Tensor._result(self.data @ other.data, (self, other), backward)


# %%
if __name__ == "__main__":
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = Tensor(np.ones((3, 4)), requires_grad=True)
    out = a @ b
    out.backward(np.ones((2, 4)))
    print("a.grad:\n", a.grad, "\nb.grad:\n", b.grad)
    f = lambda m: float(np.sum(m @ b.data))  # noqa: E731
    print("a.grad numerically:\n", numerical_grad(f, a.data).round(6))
    try:
        a @ a
    except RuntimeError as exc:
        print("a @ a:", exc)
