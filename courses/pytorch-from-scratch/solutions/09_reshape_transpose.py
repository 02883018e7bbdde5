# %%
import numpy as np
from kata.earlier import earlier, extend

# Reshaping and transposing move entries around without changing any of them,
# so the backward pass only has to move each gradient entry back to where its
# entry came from. As in PyTorch, `reshape` takes the new shape as a tuple or
# as separate numbers, one of which may be -1 ("whatever is left");
# `transpose(dim0, dim1)` swaps two dimensions (negative ones count from the
# end); the property `T` reverses all of them (for a matrix: rows become
# columns).
#
# Your tasks: `Tensor.reshape(*shape)`, `Tensor.transpose(dim0, dim1)` and `Tensor.T`.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN (`@extend(Tensor)` adds the
# methods below to your Tensor).
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Tensor = earlier("08").Tensor


@extend(Tensor)
class Tensor:
    def reshape(self, *shape):
        """The same elements in a new shape (a tuple, or separate numbers; one -1 is inferred)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        original = self.shape
        return Tensor._result(self.data.reshape(shape), (self,), lambda grad: (grad.reshape(original),))

    def transpose(self, dim0, dim1):
        """Dimensions dim0 and dim1 swapped."""
        return Tensor._result(
            np.swapaxes(self.data, dim0, dim1), (self,), lambda grad: (np.swapaxes(grad, dim0, dim1),)
        )

    @property
    def T(self):
        """All dimensions in reverse order: a matrix's transpose."""
        return Tensor._result(self.data.T, (self,), lambda grad: (grad.T,))


# %%
if __name__ == "__main__":
    x = Tensor(np.arange(6.0), requires_grad=True)
    m = x.reshape(2, -1)
    out = (m.T * Tensor([[1.0, 10.0]])).sum()
    out.backward()
    print("m:\n", m.data, "\nx.grad:", x.grad)
