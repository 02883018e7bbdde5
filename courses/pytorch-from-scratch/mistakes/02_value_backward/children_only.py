# expect: before its Value's grad was complete
# Only the output and its direct inputs run their _backward: deeper Values never pass their grads on.
# %%
# Every operation now knows its local derivative. `backward()`, called on the
# final Value, chains them: it sets the output's own `grad` to 1 (d out / d out)
# and then runs each Value's `_backward`, so that every gradient reaches the
# very first inputs. Two things must hold. A Value's `_backward` may only run
# once everything computed from it has passed its share back (otherwise it
# sends an incomplete gradient on). And each `_backward` runs exactly once,
# even when a Value is reachable along several paths. An order with both
# properties is a topological order of the graph, reversed.
#
# Your task: `Value.backward()`. The checks compare your gradients with
# PyTorch's, on expressions that hypothesis makes up at random.
#
# The pieces from earlier exercises are given as working code, so that this file
# runs on its own. Each of your TODOs raises NotImplementedError until you write it.


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

    def backward(self):
        """Fills in the grad of every Value this one was computed from: d self / d that Value."""
        topo = []
        visited = set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        self._backward()
        for v in self._prev:
            v._backward()


# %%
if __name__ == "__main__":
    a, b = Value(2.0), Value(-3.0)
    c = (a * b + a**2).relu() + a * 3
    c.backward()
    print(f"c = {c.data}, dc/da = {a.grad}, dc/db = {b.grad}")
