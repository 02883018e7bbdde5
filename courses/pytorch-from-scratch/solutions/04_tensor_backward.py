# %%
import numpy as np
from kata.earlier import earlier

# From single numbers to arrays. A `Tensor` wraps a float64 NumPy array
# (`data`) and, like Value, records how it was made: `_parents`, the Tensors
# it came from, and `_backward`, a function that takes this Tensor's gradient
# and returns one gradient for each parent (a tuple, in the order of
# `_parents`). A Tensor you create yourself is a leaf: no parents, `_backward`
# is None. `requires_grad` says whether gradients should reach a Tensor; a
# result requires grad when any of its parents does (`Tensor._result` makes
# every operation's result that way). After backward(), each leaf that
# requires grad holds its gradient in `.grad`, an array of its own shape, as
# in PyTorch.
#
# This time the operations are given (+, - and * for operands of the same
# shape; exercise 05 lifts that limit) and you write `backward(gradient=None)`:
# - A single-element output's gradient is 1 by default. Any other output needs
#   `gradient`, an array of the output's shape: the vector of PyTorch's
#   vector-Jacobian product. Without it, raise PyTorch's RuntimeError "grad
#   can be implicitly created only for scalar outputs". A gradient of another
#   shape is a RuntimeError whose message starts "Mismatch in shape", and
#   backward() on a Tensor that does not require grad is a RuntimeError
#   "element 0 of tensors does not require grad and does not have a grad_fn".
# - As with Value: each Tensor's gradient is complete (the sum over every
#   path that reaches it) before it is passed on, and each `_backward` runs
#   once.
# - Leaves accumulate: a second backward() adds to `.grad`, as PyTorch's
#   does; that is why training loops clear the gradients before each step.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
numerical_grad = earlier("03").numerical_grad


class Tensor:
    """An array of float64 numbers that records the operations that made it, for backward()."""

    def __init__(self, data, requires_grad=False):
        self.data = np.array(data, dtype=np.float64)  # always our own copy
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._parents = ()  # the Tensors this one was computed from
        self._backward = None  # gradient of this Tensor -> tuple of gradients, one per parent

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    def item(self):
        """The value of a single-element Tensor, as a float."""
        return float(self.data.item())

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4, separator=', ')}{grad})"

    @staticmethod
    def _result(data, parents, backward):
        """The result of an operation: it requires grad, and remembers how it was made, when a parent requires grad."""
        out = Tensor(data)
        if any(parent.requires_grad for parent in parents):
            out.requires_grad = True
            out._parents = tuple(parents)
            out._backward = backward
        return out

    def backward(self, gradient=None):
        """Adds d(self)/d(leaf), times `gradient`, to the .grad of every leaf that requires grad."""
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            gradient = np.ones_like(self.data)
        gradient = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=np.float64)
        if gradient.shape != self.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} and output[0] has a shape of {self.shape}."
            )
        order, seen = [], set()

        def visit(tensor):
            if id(tensor) not in seen:
                seen.add(id(tensor))
                for parent in tensor._parents:
                    visit(parent)
                order.append(tensor)

        visit(self)
        grads = {id(self): gradient}
        for tensor in reversed(order):
            grad = grads.pop(id(tensor), None)
            if grad is None:
                continue
            if tensor._backward is None:  # a leaf: keep its gradient, adding to what it held
                grad = np.array(grad, dtype=np.float64)
                tensor.grad = grad if tensor.grad is None else tensor.grad + grad
                continue
            for parent, parent_grad in zip(tensor._parents, tensor._backward(grad)):
                if parent.requires_grad:
                    key = id(parent)
                    grads[key] = grads[key] + parent_grad if key in grads else parent_grad

    # Given for this exercise: + and * for two Tensors of the same shape (or a Tensor and a plain number).
    def __add__(self, other):
        other = _as_tensor(other)
        return Tensor._result(self.data + other.data, (self, other), lambda grad: (grad, grad))

    def __mul__(self, other):
        other = _as_tensor(other)
        return Tensor._result(self.data * other.data, (self, other), lambda grad: (grad * other.data, grad * self.data))

    # The rest of the arithmetic follows from the operations above.
    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-_as_tensor(other))

    def __radd__(self, other):  # other + self
        return self + other

    def __rsub__(self, other):  # other - self
        return _as_tensor(other) - self

    def __rmul__(self, other):  # other * self
        return self * other


def _as_tensor(value):
    """A Tensor as it is; a number or an array as a constant Tensor."""
    return value if isinstance(value, Tensor) else Tensor(value)


# %%
if __name__ == "__main__":
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([4.0, 5.0, 6.0], requires_grad=True)
    c = a * b + a
    c.backward(np.ones(3))
    print("a.grad:", a.grad, "(expected b + 1 = [5, 6, 7])  b.grad:", b.grad, "(expected a)")
    try:
        c.backward()
    except RuntimeError as exc:
        print("backward() on a vector:", exc)
    # Compare with finite differences, one entry of a at a time:
    print("numerically:", numerical_grad(lambda v: float(np.sum(v * b.data + v)), a.data).round(6))
