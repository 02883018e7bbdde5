# %%
import numpy as np
from kata.earlier import earlier, extend

# `sum` and `mean` reduce a Tensor: over everything (dim=None, giving a
# Tensor of shape ()), over one dimension, or over a tuple of them, with
# negative numbers counting from the end, as in PyTorch. `keepdim=True` keeps
# each reduced dimension with size 1, so the result still broadcasts against
# the input: `x - x.mean(dim=-1, keepdim=True)` centres every row. In the
# backward pass, every entry that went into a sum receives that sum's
# gradient; for a mean, divided by how many entries were averaged.
#
# Your tasks: `Tensor.sum(dim=None, keepdim=False)` and
# `Tensor.mean(dim=None, keepdim=False)`.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN (`@extend(Tensor)` adds the
# methods below to your Tensor).
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Tensor = earlier("06").Tensor


@extend(Tensor)
class Tensor:
    def _reduced_dims(self, dim):
        """`dim` (None, an int or a tuple, negatives allowed) as a sorted tuple of non-negative dimensions."""
        if dim is None:
            return tuple(range(self.ndim))
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        return tuple(sorted(d % self.ndim if self.ndim else 0 for d in dims))

    def sum(self, dim=None, keepdim=False):
        """The sum over `dim` (all of them by default); keepdim keeps each summed dimension with size 1."""
        dims = self._reduced_dims(dim)
        shape = self.shape

        def backward(grad):
            if not keepdim:
                grad = np.expand_dims(grad, dims)
            return (np.broadcast_to(grad, shape).copy(),)

        return Tensor._result(self.data.sum(axis=dims, keepdims=keepdim), (self,), backward)

    def mean(self, dim=None, keepdim=False):
        """The mean over `dim` (all of them by default); keepdim keeps each averaged dimension with size 1."""
        dims = self._reduced_dims(dim)
        count = int(np.prod([self.shape[d] for d in dims]))
        return self.sum(dim=dims, keepdim=keepdim) / count


# %%
if __name__ == "__main__":
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    rows = x.sum(dim=1)
    centred = x - x.mean(dim=-1, keepdim=True)
    print("row sums:", rows.data, " centred rows:\n", centred.data)
    (rows * Tensor([1.0, 10.0])).sum().backward()
    print("x.grad:\n", x.grad)
