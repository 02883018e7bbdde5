# %%

# PyTorch's autograd is the machinery behind `loss.backward()`: every tensor
# remembers the operation that made it, and backward() walks those records in
# reverse, multiplying local derivatives together (the chain rule). In this
# course you build that machinery yourself, on plain Python and NumPy, then
# PyTorch's Module, layers, loss and optimizer on top of it, until the first
# course's SimpleNeuralNet runs on nothing but your own code. PyTorch itself
# appears only in the checks, as the reference your results must match.
#
# We start with the smallest case: a single number. A `Value` holds a float
# (`data`); `grad`, the derivative of the final output with respect to this
# Value (0.0 until a backward pass fills it in); `_prev`, the Values it was
# computed from; and `_backward`, a function that, once this Value's own
# `grad` is known, passes this Value's share on to the `grad` of each input.
#
# Your task: the four operations `+`, `*`, `**` (with a plain number as the
# exponent) and `relu`. Each returns a new Value whose `_prev` holds its
# inputs and whose `_backward` applies the operation's local derivative,
# times the result's own `grad`:
#   d(a + b)/da = 1          d(a * b)/da = b
#   d(a ** k)/da = k * a ** (k - 1)
#   d relu(a)/da = 1 where a > 0, else 0 (also 0 at a == 0, as in PyTorch)
# A Value may be used more than once (`a * a`, or `a` in two places), and its
# gradient is then the sum of every use's share: a share must add to `grad`,
# never replace what is there. A plain number on either side (`a + 1`,
# `2 * a`) takes part as a Value that nothing depends on.


# %%
class Value:
    """A single number that remembers how it was computed, so that gradients can flow back through it."""

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # passes this Value's grad on to its inputs' grad
        self._prev = tuple(_children)
        self._op = _op  # for printing only

    def __repr__(self):
        return f"Value(data={self.data:g}, grad={self.grad:g})"

    def __add__(self, other):
        """self + other: a new Value, with the derivative 1 for each input."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        """self * other: each input's derivative is the other input."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent):
        """self ** exponent, for a plain number `exponent`."""
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        """max(self, 0), with derivative 1 where self > 0 and 0 elsewhere."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    # The rest follows from the four operations above.
    def __neg__(self):
        return self * -1

    def __radd__(self, other):  # other + self
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    def __rmul__(self, other):  # other * self
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):  # other / self
        return other * self**-1


# %%
if __name__ == "__main__":
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a**2
    c.grad = 1.0
    c._backward()  # the + node: passes 1.0 on to (a * b) and (a ** 2)
    for node in c._prev:
        node._backward()  # a * b and a ** 2 pass their shares on to a and b
    print(f"c = {c.data}, dc/da = {a.grad} (expected b + 2a = 1.0), dc/db = {b.grad} (expected a = 2.0)")
