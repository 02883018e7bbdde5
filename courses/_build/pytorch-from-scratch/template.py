#@ ex=01 part=intro
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
#@ end
#@ ex=02 part=intro
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
#@ end
#@ ex=01 part=all until=02
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

#@ end
#@ ex=01 part=sol until=02
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

#@ end
#@ ex=01 part=stub
    def __add__(self, other):
        """self + other, where other is a Value or a plain number."""
        # TODO: a new Value, and its _backward
        raise NotImplementedError("Value.__add__: return the Value self + other, with a _backward for it")

    def __mul__(self, other):
        """self * other, where other is a Value or a plain number."""
        # TODO: a new Value, and its _backward
        raise NotImplementedError("Value.__mul__: return the Value self * other, with a _backward for it")

    def __pow__(self, exponent):
        """self ** exponent, for a plain number `exponent`."""
        # TODO: a new Value, and its _backward
        raise NotImplementedError("Value.__pow__: return the Value self ** exponent, with a _backward for it")

    def relu(self):
        """max(self, 0)."""
        # TODO: a new Value, and its _backward
        raise NotImplementedError("Value.relu: return the Value max(self, 0), with a _backward for it")

#@ end
#@ ex=01 part=all until=02
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

#@ end
#@ ex=02 part=sol until=02
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
        for v in reversed(topo):
            v._backward()

#@ end
#@ ex=02 part=stub
    def backward(self):
        """Fills in the grad of every Value this one was computed from: d self / d that Value."""
        # TODO: order the graph, seed this Value's grad, run every _backward once
        raise NotImplementedError("Value.backward: run every _backward once, each after everything computed from it")

#@ end
#@ ex=01 part=main
if __name__ == "__main__":
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a**2
    c.grad = 1.0
    c._backward()  # the + node: passes 1.0 on to (a * b) and (a ** 2)
    for node in c._prev:
        node._backward()  # a * b and a ** 2 pass their shares on to a and b
    print(f"c = {c.data}, dc/da = {a.grad} (expected b + 2a = 1.0), dc/db = {b.grad} (expected a = 2.0)")
#@ end
#@ ex=02 part=main
if __name__ == "__main__":
    a, b = Value(2.0), Value(-3.0)
    c = (a * b + a**2).relu() + a * 3
    c.backward()
    print(f"c = {c.data}, dc/da = {a.grad}, dc/db = {b.grad}")
#@ end
#@ ex=03 part=intro
# Every backward function you write from now on can be wrong in ways no error
# reveals: a missing factor, a gradient summed over the wrong axis. The cure
# is to test it against the definition of a derivative, with finite
# differences: nudge one entry of the input by a tiny eps up and down, and
# see how much f changes:
#   df/dx[i] ≈ (f(x + eps·e_i) - f(x - eps·e_i)) / (2·eps)
# This central difference is accurate to about eps², far better than the
# one-sided (f(x + eps·e_i) - f(x)) / eps, accurate only to about eps.
# PyTorch's `torch.autograd.gradcheck` works the same way.
#
# Your tasks:
# - `numerical_grad(f, x, eps)`: every partial derivative of f at x, as an
#   array of x's shape. f takes a float64 array of x's shape and returns a
#   float. The caller's x must be exactly as it was afterwards.
# - `gradcheck(f, x, analytic_grad, eps, atol, rtol)`: True when analytic_grad
#   matches the numerical gradient within atol + rtol·|numerical| everywhere.
#   Otherwise raise an AssertionError whose message names the first entry
#   that differs (in NumPy's order, row by row) as an index tuple such as
#   (1, 2), with both values. An analytic_grad of the wrong shape is a
#   ValueError. The following exercises use it in their demos.
#@ end
#@ ex=03 part=sol until=03
def numerical_grad(f, x, eps=1e-6):
    """The gradient of f at x by central differences: an array of x's shape."""
    x = np.array(x, dtype=np.float64)  # our own copy, nudged entry by entry
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        above = f(x)
        x[index] = original - eps
        below = f(x)
        x[index] = original
        grad[index] = (above - below) / (2 * eps)
    return grad


def gradcheck(f, x, analytic_grad, eps=1e-6, atol=1e-5, rtol=1e-3):
    """True when analytic_grad matches f's numerical gradient at x; else an AssertionError naming the first mismatch."""
    numerical = numerical_grad(f, x, eps)
    analytic = np.asarray(analytic_grad, dtype=np.float64)
    if analytic.shape != numerical.shape:
        raise ValueError(f"the analytic gradient has shape {analytic.shape}, but x has shape {numerical.shape}")
    wrong = ~np.isclose(analytic, numerical, atol=atol, rtol=rtol)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        raise AssertionError(
            f"gradient mismatch at index {index}: numerical {numerical[index]:.6g}, analytic {analytic[index]:.6g}"
        )
    return True


#@ end
#@ ex=03 part=stub
def numerical_grad(f, x, eps=1e-6):
    """The gradient of f at x by central differences: an array of x's shape."""
    # TODO
    raise NotImplementedError("numerical_grad: estimate each partial derivative of f at x with a central difference")


def gradcheck(f, x, analytic_grad, eps=1e-6, atol=1e-5, rtol=1e-3):
    """True when analytic_grad matches f's numerical gradient at x; else an AssertionError naming the first mismatch."""
    # TODO
    raise NotImplementedError("gradcheck: compare analytic_grad with numerical_grad, and name the first mismatch")


#@ end
#@ ex=03 part=main
if __name__ == "__main__":
    x = np.array([[1.0, -2.0], [0.5, 3.0]])

    def f(v):
        return float(np.sum(v**3))

    print("numerical:", numerical_grad(f, x).round(6).tolist(), " exact:", (3 * x**2).tolist())
    print("gradcheck with the exact gradient:", gradcheck(f, x, 3 * x**2))
    try:
        gradcheck(f, x, 3 * x**2 + np.array([[0, 0], [1, 0]]))
    except AssertionError as exc:
        print("gradcheck with a wrong entry:", exc)
#@ end
#@ ex=04 part=all
def numerical_grad(f, x, eps=1e-6):
    """The gradient of f at x by central differences: an array of x's shape. (Exercise 03.)"""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        above = f(x)
        x[index] = original - eps
        below = f(x)
        x[index] = original
        grad[index] = (above - below) / (2 * eps)
    return grad


#@ end
#@ ex=10 part=intro
# Not every computation should be recorded. An optimizer's update, an
# accuracy on held-out data, the loss you print: none of them will ever be
# differentiated, and recording them costs memory and can wire old values
# into the next backward pass. PyTorch's `with torch.no_grad():` turns
# recording off inside the block and restores what it was afterwards, even
# when the block raises, and blocks may nest. `x.detach()` is x's values as a
# new leaf, cut off from the graph.
#
# Your tasks:
# - `is_grad_enabled()` and the context manager `no_grad` (as in
#   `with no_grad():`), around the module-level flag below;
# - `Tensor._result`, through which every operation makes its result: the
#   result records its parents and backward function, and requires grad,
#   only when grad mode is on and some parent requires grad; otherwise it is
#   a plain Tensor with no parents that does not require grad;
# - `Tensor.detach()`.
#@ end
#@ ex=10 part=sol
_grad_enabled = True  # whether operations record themselves for backward()


def is_grad_enabled():
    """Whether new results record their parents (False inside `with no_grad():`)."""
    return _grad_enabled


class no_grad:
    """`with no_grad():` turns recording off inside the block, and back to what it was afterwards."""

    def __enter__(self):
        global _grad_enabled
        self.previous = _grad_enabled
        _grad_enabled = False
        return self

    def __exit__(self, *exc_info):
        global _grad_enabled
        _grad_enabled = self.previous
        return False


#@ end
#@ ex=10 part=stub
_grad_enabled = True  # whether operations record themselves for backward()


def is_grad_enabled():
    """Whether new results record their parents (False inside `with no_grad():`)."""
    # TODO
    raise NotImplementedError("is_grad_enabled: say whether operations record themselves right now")


class no_grad:
    """`with no_grad():` turns recording off inside the block, and back to what it was afterwards."""

    def __enter__(self):
        # TODO
        raise NotImplementedError("no_grad.__enter__: turn recording off, remembering what it was")

    def __exit__(self, *exc_info):
        # TODO
        raise NotImplementedError("no_grad.__exit__: put recording back to what it was before the block")


#@ end
#@ ex=04 part=intro
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
#@ end
#@ ex=04 part=all
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

#@ end
#@ ex=10 part=before from=04
    @staticmethod
    def _result(data, parents, backward):
        """The result of an operation: it requires grad, and remembers how it was made, when a parent requires grad."""
        out = Tensor(data)
        if any(parent.requires_grad for parent in parents):
            out.requires_grad = True
            out._parents = tuple(parents)
            out._backward = backward
        return out

#@ end
#@ ex=10 part=sol
    @staticmethod
    def _result(data, parents, backward):
        """The result of an operation: recorded only when grad mode is on and some parent requires grad."""
        out = Tensor(data)
        if is_grad_enabled() and any(parent.requires_grad for parent in parents):
            out.requires_grad = True
            out._parents = tuple(parents)
            out._backward = backward
        return out

    def detach(self):
        """The same values, as a new leaf that does not require grad."""
        return Tensor(self.data)

#@ end
#@ ex=10 part=stub
    @staticmethod
    def _result(data, parents, backward):
        """The result of an operation: recorded only when grad mode is on and some parent requires grad."""
        # TODO
        raise NotImplementedError("Tensor._result: make the result Tensor, recording it only in grad mode")

    def detach(self):
        """The same values, as a new leaf that does not require grad."""
        # TODO
        raise NotImplementedError("Tensor.detach: the same values as a new leaf outside any graph")

#@ end
#@ ex=04 part=sol
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

#@ end
#@ ex=04 part=stub
    def backward(self, gradient=None):
        """Adds d(self)/d(leaf), times `gradient`, to the .grad of every leaf that requires grad."""
        # TODO
        raise NotImplementedError("Tensor.backward: send the gradient back through the graph into every leaf's .grad")

#@ end
#@ ex=05 part=before from=04
    # Given for this exercise: + and * for two Tensors of the same shape (or a Tensor and a plain number).
    def __add__(self, other):
        other = _as_tensor(other)
        return Tensor._result(self.data + other.data, (self, other), lambda grad: (grad, grad))

    def __mul__(self, other):
        other = _as_tensor(other)
        return Tensor._result(self.data * other.data, (self, other), lambda grad: (grad * other.data, grad * self.data))

#@ end
#@ ex=05 part=sol
    def __add__(self, other):
        """self + other, broadcasting as NumPy does."""
        other = _as_tensor(other)

        def backward(grad):
            return unbroadcast(grad, self.shape), unbroadcast(grad, other.shape)

        return Tensor._result(self.data + other.data, (self, other), backward)

    def __mul__(self, other):
        """self * other, elementwise, broadcasting as NumPy does."""
        other = _as_tensor(other)

        def backward(grad):
            return unbroadcast(grad * other.data, self.shape), unbroadcast(grad * self.data, other.shape)

        return Tensor._result(self.data * other.data, (self, other), backward)

    def __truediv__(self, other):
        """self / other, elementwise, broadcasting as NumPy does."""
        other = _as_tensor(other)

        def backward(grad):
            return (
                unbroadcast(grad / other.data, self.shape),
                unbroadcast(-grad * self.data / other.data**2, other.shape),
            )

        return Tensor._result(self.data / other.data, (self, other), backward)

#@ end
#@ ex=05 part=stub
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

#@ end
#@ ex=04 part=all
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

#@ end
#@ ex=05 part=all
    def __rtruediv__(self, other):  # other / self
        return _as_tensor(other) / self

#@ end
#@ ex=06 part=sol
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

#@ end
#@ ex=06 part=stub
    def __matmul__(self, other):
        """The matrix product: (n, k) @ (k, m) is (n, m); a 1-D operand as torch.matmul takes it."""
        # TODO
        raise NotImplementedError("Tensor.__matmul__: the matrix product, its backward, and PyTorch's error for shapes that do not fit")

#@ end
#@ ex=07 part=sol
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

#@ end
#@ ex=07 part=stub
    def sum(self, dim=None, keepdim=False):
        """The sum over `dim` (all of them by default); keepdim keeps each summed dimension with size 1."""
        # TODO
        raise NotImplementedError("Tensor.sum: the sum over dim, with keepdim, and its backward")

    def mean(self, dim=None, keepdim=False):
        """The mean over `dim` (all of them by default); keepdim keeps each averaged dimension with size 1."""
        # TODO
        raise NotImplementedError("Tensor.mean: the mean over dim, with keepdim, and its backward")

#@ end
#@ ex=08 part=sol
    def exp(self):
        """e to the power of each element."""
        out_data = np.exp(self.data)
        return Tensor._result(out_data, (self,), lambda grad: (grad * out_data,))

    def log(self):
        """The natural logarithm of each element."""
        return Tensor._result(np.log(self.data), (self,), lambda grad: (grad / self.data,))

    def relu(self):
        """max(x, 0) for each element x."""
        return Tensor._result(np.maximum(self.data, 0.0), (self,), lambda grad: (grad * (self.data > 0),))

    def __pow__(self, exponent):
        """Each element to the power of a plain number."""
        return Tensor._result(
            self.data**exponent, (self,), lambda grad: (grad * exponent * self.data ** (exponent - 1),)
        )

#@ end
#@ ex=08 part=stub
    def exp(self):
        """e to the power of each element."""
        # TODO
        raise NotImplementedError("Tensor.exp: exp of each element, and its backward")

    def log(self):
        """The natural logarithm of each element."""
        # TODO
        raise NotImplementedError("Tensor.log: log of each element, and its backward")

    def relu(self):
        """max(x, 0) for each element x."""
        # TODO
        raise NotImplementedError("Tensor.relu: relu of each element, and its backward")

    def __pow__(self, exponent):
        """Each element to the power of a plain number."""
        # TODO
        raise NotImplementedError("Tensor.__pow__: each element to a plain number's power, and its backward")

#@ end
#@ ex=09 part=sol
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

#@ end
#@ ex=09 part=stub
    def reshape(self, *shape):
        """The same elements in a new shape (a tuple, or separate numbers; one -1 is inferred)."""
        # TODO
        raise NotImplementedError("Tensor.reshape: the same elements in a new shape, and its backward")

    def transpose(self, dim0, dim1):
        """Dimensions dim0 and dim1 swapped."""
        # TODO
        raise NotImplementedError("Tensor.transpose: swap two dimensions, and its backward")

    @property
    def T(self):
        """All dimensions in reverse order: a matrix's transpose."""
        # TODO
        raise NotImplementedError("Tensor.T: every dimension reversed, and its backward")

#@ end
#@ ex=04 part=all
def _as_tensor(value):
    """A Tensor as it is; a number or an array as a constant Tensor."""
    return value if isinstance(value, Tensor) else Tensor(value)


#@ end
#@ ex=05 part=intro
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
#@ end
#@ ex=05 part=sol
def unbroadcast(grad, shape):
    """`grad` summed back to `shape`: over the leading dimensions broadcasting added, and where shape has size 1."""
    grad = np.asarray(grad)
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return np.asarray(grad)


#@ end
#@ ex=05 part=stub
def unbroadcast(grad, shape):
    """`grad` summed back to `shape`: over the leading dimensions broadcasting added, and where shape has size 1."""
    # TODO
    raise NotImplementedError("unbroadcast: sum grad over what broadcasting added, back to `shape`")


#@ end
#@ ex=05 part=main
if __name__ == "__main__":
    batch = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    bias = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    out = batch * bias + bias / 2
    out.backward(np.ones((2, 3)))
    print("bias.grad:", bias.grad, " shape", bias.grad.shape, "(should be (3,))")
    # Check one gradient against finite differences, as you will for every operation from now on:
    f = lambda b: float(np.sum(batch.data * b + b / 2))  # noqa: E731
    print("numerically:", numerical_grad(f, bias.data).round(6))
#@ end
#@ ex=04 part=main
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
#@ end
#@ ex=06 part=intro
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
#@ end
#@ ex=06 part=main
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
#@ end
#@ ex=07 part=intro
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
#@ end
#@ ex=07 part=main
if __name__ == "__main__":
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    rows = x.sum(dim=1)
    centred = x - x.mean(dim=-1, keepdim=True)
    print("row sums:", rows.data, " centred rows:\n", centred.data)
    (rows * Tensor([1.0, 10.0])).sum().backward()
    print("x.grad:\n", x.grad)
#@ end
#@ ex=08 part=intro
# The elementwise functions a network needs: `exp` and `log` (softmax and
# cross-entropy are built from them), `relu`, and `**` with a plain number as
# the exponent (squared errors). The derivative of each is again an
# elementwise function, of the input or, for exp, of the output itself.
#
# Your tasks: `Tensor.exp()`, `Tensor.log()`, `Tensor.relu()` (with derivative
# 0 at 0, as in PyTorch) and `Tensor.__pow__(exponent)`.
#@ end
#@ ex=08 part=main
if __name__ == "__main__":
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = (x.exp() + x.relu() ** 2).log()
    y.backward(np.ones(3))
    print("y:", y.data, " x.grad:", x.grad)
    f = lambda v: float(np.sum(np.log(np.exp(v) + np.maximum(v, 0) ** 2)))  # noqa: E731
    print("numerically:", numerical_grad(f, x.data).round(6))
#@ end
#@ ex=09 part=intro
# Reshaping and transposing move entries around without changing any of them,
# so the backward pass only has to move each gradient entry back to where its
# entry came from. As in PyTorch, `reshape` takes the new shape as a tuple or
# as separate numbers, one of which may be -1 ("whatever is left");
# `transpose(dim0, dim1)` swaps two dimensions (negative ones count from the
# end); the property `T` reverses all of them (for a matrix: rows become
# columns).
#
# Your tasks: `Tensor.reshape(*shape)`, `Tensor.transpose(dim0, dim1)` and `Tensor.T`.
#@ end
#@ ex=09 part=main
if __name__ == "__main__":
    x = Tensor(np.arange(6.0), requires_grad=True)
    m = x.reshape(2, -1)
    out = (m.T * Tensor([[1.0, 10.0]])).sum()
    out.backward()
    print("m:\n", m.data, "\nx.grad:", x.grad)
#@ end
#@ ex=10 part=main
if __name__ == "__main__":
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        doubled = w * 2
    print("under no_grad:", doubled, "requires_grad =", doubled.requires_grad)
    print("after the block:", (w * 2).requires_grad, " detached:", w.detach().requires_grad)
#@ end
#@ ex=11 part=intro
# PyTorch organises models as Modules. A Module's trainable Tensors are
# Parameters, and it finds them from the attributes you set, not from a list
# you keep: `self.weight = Parameter(...)` registers a parameter, and
# `self.layer = SomeModule()` registers a submodule, whose parameters are the
# Module's too. That is how `model.parameters()` hands an optimizer every
# weight of a deep model, and `model.zero_grad()` clears them all.
#
# Your tasks:
# - `Parameter`: a Tensor that requires grad unless told otherwise.
# - `Module.__setattr__`: setting a Parameter or a Module registers it under
#   its name, in the order names are first set; setting a registered name
#   again replaces the entry where it was; setting it to anything else (a
#   plain Tensor, a number, None) takes it out of the registry. The attribute
#   itself is always set.
# - `Module.parameters()`: the Module's own parameters in registration order,
#   then each submodule's (recursively), in registration order; a list or a
#   generator.
# - calling a Module runs its `forward` with the same arguments; and
# - `Module.zero_grad()` sets the .grad of every parameter, however deep, to None.
#@ end
#@ ex=11 part=sol
class Parameter(Tensor):
    """A Tensor that a Module trains: it requires grad unless told otherwise."""

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)


#@ end
#@ ex=11 part=stub
class Parameter(Tensor):
    """A Tensor that a Module trains: it requires grad unless told otherwise."""

    def __init__(self, data, requires_grad=True):
        # TODO
        raise NotImplementedError("Parameter.__init__: a Tensor that requires grad by default")


#@ end
#@ ex=11 part=all
class Module:
    """The base of every model and layer: it finds its Parameters and submodules from its attributes."""

    def __init__(self):
        # object.__setattr__ skips our own __setattr__ below, which needs these two to exist.
        object.__setattr__(self, "_parameters", {})  # name -> Parameter, in registration order
        object.__setattr__(self, "_modules", {})  # name -> Module, in registration order

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

#@ end
#@ ex=11 part=sol
    def __setattr__(self, name, value):
        """self.name = value, registering a Parameter or a Module under its name."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign to a Module before Module.__init__() call")
        if isinstance(value, Parameter):
            self._modules.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def parameters(self):
        """Every Parameter: this Module's own in registration order, then each submodule's, recursively."""
        found = list(self._parameters.values())
        for module in self._modules.values():
            found.extend(module.parameters())
        return found

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def zero_grad(self):
        """Clears the gradient of every parameter, submodules' included."""
        for parameter in self.parameters():
            parameter.grad = None

#@ end
#@ ex=11 part=stub
    def __setattr__(self, name, value):
        """self.name = value, registering a Parameter or a Module under its name."""
        # TODO
        raise NotImplementedError("Module.__setattr__: set the attribute, registering Parameters and Modules by name")

    def parameters(self):
        """Every Parameter: this Module's own in registration order, then each submodule's, recursively."""
        # TODO
        raise NotImplementedError("Module.parameters: this Module's parameters, then its submodules', in order")

    def __call__(self, *args, **kwargs):
        # TODO
        raise NotImplementedError("Module.__call__: calling a Module runs its forward")

    def zero_grad(self):
        """Clears the gradient of every parameter, submodules' included."""
        # TODO
        raise NotImplementedError("Module.zero_grad: clear the .grad of every parameter, however deep")

#@ end
#@ ex=11 part=main
if __name__ == "__main__":

    class Scale(Module):
        def __init__(self):
            super().__init__()
            self.factor = Parameter([2.0])

        def forward(self, x):
            return x * self.factor

    class Twice(Module):
        def __init__(self):
            super().__init__()
            self.offset = Parameter([0.5])
            self.first = Scale()
            self.second = Scale()

        def forward(self, x):
            return self.second(self.first(x)) + self.offset

    model = Twice()
    out = model(Tensor([1.0, 3.0]))
    out.sum().backward()
    print("out:", out.data, " parameters:", [p.data.tolist() for p in model.parameters()])
    print("grads:", [p.grad.tolist() for p in model.parameters()])
    model.zero_grad()
    print("after zero_grad:", [p.grad for p in model.parameters()])
#@ end
#@ ex=12 part=intro
# `Linear(in_features, out_features)` maps a batch x of shape
# (batch, in_features) to x @ weight.T + bias, of shape (batch, out_features).
# As in PyTorch, `weight` has shape (out_features, in_features), one row per
# output, so PyTorch's weights load into it as they are, and `bias` has shape
# (out_features,). Both start uniform in [-1/sqrt(in_features),
# 1/sqrt(in_features)], as PyTorch initialises them: that bound keeps the
# outputs in about the same range whatever the number of inputs. Draw them
# from NumPy's global generator (np.random), so that seeding it makes a model
# reproducible. `bias=False` leaves the bias out: the attribute is None.
#
# Your task: `Linear`, a Module with the Parameters `weight` and `bias`.
#@ end
#@ ex=12 part=sol
class Linear(Module):
    """x @ weight.T + bias, with weight (out_features, in_features) and bias (out_features,)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        bound = 1 / np.sqrt(in_features)
        self.weight = Parameter(np.random.uniform(-bound, bound, (out_features, in_features)))
        self.bias = Parameter(np.random.uniform(-bound, bound, out_features)) if bias else None

    def forward(self, x):
        out = x @ self.weight.T
        return out + self.bias if self.bias is not None else out


#@ end
#@ ex=12 part=stub
class Linear(Module):
    """x @ weight.T + bias, with weight (out_features, in_features) and bias (out_features,)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        # TODO
        raise NotImplementedError("Linear.__init__: the weight and bias Parameters, initialised as PyTorch does")

    def forward(self, x):
        # TODO
        raise NotImplementedError("Linear.forward: x @ weight.T + bias")


#@ end
#@ ex=12 part=main
if __name__ == "__main__":
    layer = Linear(3, 2)
    x = Tensor(np.ones((4, 3)))
    out = layer(x)
    out.sum().backward()
    print("weight:", layer.weight.shape, " bias:", layer.bias.shape, " out:", out.shape)
    print("weight.grad:\n", layer.weight.grad)
#@ end
#@ ex=13 part=intro
# Two Modules without parameters. `ReLU` applies relu. `Softmax(dim)` turns
# scores into probabilities along `dim`: the exp of each score, divided by the
# sum of the exps along dim. In floating point, exp(1000.) is inf, and
# inf / inf is nan; but softmax does not change when the same number is
# subtracted from every score along dim, and with the largest score
# subtracted no exp exceeds 1. So [1000., 0.] must give [1., 0.], like
# PyTorch's, with no overflow warning. The input itself must not change.
#
# Your tasks: `ReLU` and `Softmax(dim)`, built from your Tensor's operations so
# that gradients flow through them.
#@ end
#@ ex=13 part=sol
class ReLU(Module):
    """relu of every element."""

    def forward(self, x):
        return x.relu()


class Softmax(Module):
    """exp(x) / sum of exp(x) along `dim`, computed without overflow."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        shifted = x - Tensor(x.data.max(axis=self.dim, keepdims=True))
        exps = shifted.exp()
        return exps / exps.sum(dim=self.dim, keepdim=True)


#@ end
#@ ex=13 part=stub
class ReLU(Module):
    """relu of every element."""

    def forward(self, x):
        # TODO
        raise NotImplementedError("ReLU.forward: relu of every element")


class Softmax(Module):
    """exp(x) / sum of exp(x) along `dim`, computed without overflow."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        # TODO
        raise NotImplementedError("Softmax.forward: probabilities along self.dim, without overflow")


#@ end
#@ ex=13 part=main
if __name__ == "__main__":
    scores = Tensor([[1000.0, 0.0], [1.0, 2.0]], requires_grad=True)
    probabilities = Softmax(dim=-1)(scores)
    print("softmax:\n", probabilities.data)
    (probabilities * Tensor([[1.0, 0.0], [0.0, 1.0]])).sum().backward()
    print("grad:\n", scores.grad)
    print("relu:", ReLU()(Tensor([-1.0, 2.0])).data)
#@ end
#@ ex=14 part=intro
# `Sequential(*layers)` is a Module that feeds its input through each layer in
# turn. The layers are its submodules, registered under the names "0", "1",
# "2", ..., as PyTorch names them: so parameters() and zero_grad() reach them.
# Layers kept only in a plain list would be invisible to both.
#
# Your task: `Sequential`, with `forward`, `len(seq)` and `seq[i]` (negative i
# counting from the end).
#@ end
#@ ex=14 part=sol
class Sequential(Module):
    """Runs its layers one after another, each on the previous one's output."""

    def __init__(self, *layers):
        super().__init__()
        for index, layer in enumerate(layers):
            setattr(self, str(index), layer)

    def forward(self, x):
        for layer in self._modules.values():
            x = layer(x)
        return x

    def __len__(self):
        return len(self._modules)

    def __getitem__(self, index):
        return list(self._modules.values())[index]


#@ end
#@ ex=14 part=stub
class Sequential(Module):
    """Runs its layers one after another, each on the previous one's output."""

    def __init__(self, *layers):
        super().__init__()
        # TODO
        raise NotImplementedError("Sequential.__init__: register each layer as a submodule named by its position")

    def forward(self, x):
        # TODO
        raise NotImplementedError("Sequential.forward: run the layers in order")

    def __len__(self):
        # TODO
        raise NotImplementedError("Sequential.__len__: the number of layers")

    def __getitem__(self, index):
        # TODO
        raise NotImplementedError("Sequential.__getitem__: the layer at this position")


#@ end
#@ ex=14 part=main
if __name__ == "__main__":
    model = Sequential(Linear(4, 3), ReLU(), Linear(3, 2), Softmax(dim=-1))
    print(len(model), "layers;", len(list(model.parameters())), "parameters")
    print(model(Tensor(np.ones((2, 4)))).data)
#@ end
#@ ex=15 part=intro
# The mean squared error between a prediction `input` and a `target` of the
# same shape: the square of each difference, then, by `reduction`, their mean
# ("mean", the default), their sum ("sum"), or each one as it is ("none").
# Any other reduction is PyTorch's ValueError: "<reduction> is not a valid
# value for reduction". The target usually does not require grad, but it may.
#
# Your task: `mse_loss(input, target, reduction="mean")`, differentiable.
#@ end
#@ ex=15 part=sol
def mse_loss(input, target, reduction="mean"):
    """The squared differences between input and target: their mean, their sum, or each one."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    squared = (input - target) ** 2
    if reduction == "mean":
        return squared.mean()
    if reduction == "sum":
        return squared.sum()
    return squared


#@ end
#@ ex=15 part=stub
def mse_loss(input, target, reduction="mean"):
    """The squared differences between input and target: their mean, their sum, or each one."""
    # TODO
    raise NotImplementedError("mse_loss: the squared differences, reduced as `reduction` says")


#@ end
#@ ex=15 part=main
if __name__ == "__main__":
    prediction = Tensor([[0.5, 1.0], [2.0, -1.0]], requires_grad=True)
    target = Tensor([[0.0, 1.0], [1.0, 1.0]])
    loss = mse_loss(prediction, target)
    loss.backward()
    print("loss:", loss.item(), " grad:\n", prediction.grad)
    print("none:\n", mse_loss(prediction, target, reduction="none").data)
#@ end
#@ ex=16 part=intro
# An optimizer holds the parameters it updates. Stochastic gradient descent
# moves each one against its gradient: p = p - lr * p.grad, skipping any
# parameter whose .grad is None (it took no part in the loss), as
# torch.optim.SGD does. The update changes the parameter's values: the
# Parameter objects stay the ones the model holds, and the update itself is
# not an operation to record in any graph. `zero_grad()` sets every
# parameter's .grad to None. `params` may be any iterable, such as what
# model.parameters() returns (perhaps a generator, which can be read only
# once), and step() runs many times.
#
# Your task: `SGD(params, lr)`, with `step()` and `zero_grad()`.
#@ end
#@ ex=16 part=sol until=16
class SGD:
    """Stochastic gradient descent: each step moves every parameter against its gradient."""

    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.data = p.data - self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None


#@ end
#@ ex=16 part=stub
class SGD:
    """Stochastic gradient descent: each step moves every parameter against its gradient."""

    def __init__(self, params, lr):
        # TODO
        raise NotImplementedError("SGD.__init__: keep the parameters and the learning rate")

    def step(self):
        # TODO
        raise NotImplementedError("SGD.step: move every parameter that has a gradient against it")

    def zero_grad(self):
        # TODO
        raise NotImplementedError("SGD.zero_grad: clear every parameter's gradient")


#@ end
#@ ex=16 part=main
if __name__ == "__main__":
    w = Parameter([3.0, -2.0])
    optimizer = SGD([w], lr=0.1)
    for step in range(5):
        optimizer.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}, w {w.data}")
#@ end
#@ ex=17 part=intro
# Plain SGD zigzags across narrow valleys and crawls along shallow ones.
# Momentum keeps a running velocity for each parameter, its "momentum
# buffer", and steps along it: directions that persist speed up, oscillations
# cancel out. torch.optim.SGD does, for each parameter p whose gradient g is
# not None, in this order:
#   g = g + weight_decay * p                    (when weight_decay is not 0)
#   buf = g                                     (at p's first step)
#   buf = momentum * buf + (1 - dampening) * g  (at every later step)
#   g = buf                                     (when momentum is not 0)
#   p = p - lr * g
# The first step starts the buffer at the gradient itself: neither momentum
# nor dampening touches it yet.
#
# Your task: `SGD` gains `momentum`, `dampening` and `weight_decay`, each 0 by
# default, and must match torch.optim.SGD step by step.
#@ end
#@ ex=17 part=sol
class SGD:
    """Stochastic gradient descent, with momentum, dampening and weight decay as torch.optim.SGD has them."""

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weight_decay = weight_decay
        self.buffers = [None] * len(self.params)  # one momentum buffer per parameter, from its first step

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            if self.weight_decay != 0:
                g = g + self.weight_decay * p.data
            if self.momentum != 0:
                if self.buffers[i] is None:
                    self.buffers[i] = np.array(g, dtype=np.float64)
                else:
                    self.buffers[i] = self.momentum * self.buffers[i] + (1 - self.dampening) * g
                g = self.buffers[i]
            p.data = p.data - self.lr * g

    def zero_grad(self):
        for p in self.params:
            p.grad = None


#@ end
#@ ex=17 part=stub
class SGD:
    """Stochastic gradient descent, with momentum, dampening and weight decay as torch.optim.SGD has them."""

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0):
        # TODO
        raise NotImplementedError("SGD.__init__: keep the parameters, the settings, and room for momentum buffers")

    def step(self):
        # TODO
        raise NotImplementedError("SGD.step: weight decay, the momentum buffer, then the update, as torch.optim.SGD")

    def zero_grad(self):
        # TODO
        raise NotImplementedError("SGD.zero_grad: clear every parameter's gradient")


#@ end
#@ ex=17 part=main
if __name__ == "__main__":
    # A long, narrow valley: steep across (x 50), shallow along. Plain SGD crawls along it; momentum speeds up.
    for momentum in (0.0, 0.9):
        w = Parameter([1.0, 1.0])
        optimizer = SGD([w], lr=0.005, momentum=momentum)
        for step in range(100):
            optimizer.zero_grad()
            loss = (w**2 * Tensor([1.0, 50.0])).sum()
            loss.backward()
            optimizer.step()
        print(f"momentum {momentum}: loss after 100 steps {loss.item():.2e}")
#@ end
#@ ex=18 part=intro
# The finale. The first course ended with SimpleNeuralNet, built from
# torch.nn and trained with torch.optim. Here it is again, and every class it
# uses is now yours: a Sequential of Linear(784, 2000), ReLU, Linear(2000, 400),
# ReLU, Linear(400, 10) and a Softmax over the last dimension. The sizes are
# arguments (those are the defaults), so that the checks can also build a
# small one.
#
# Your tasks:
# - `SimpleNeuralNet.__init__`: the model as `self.implementation`; forward
#   is given.
# - `train_model(model, inputs, expected_outputs, epochs, lr)`: full-batch
#   gradient descent with your SGD and mse_loss, one step per epoch; it
#   returns the list of the epochs' losses as floats, each one the loss
#   that its step's gradients came from.
# Loaded with the same initial weights as PyTorch's model, yours must follow
# PyTorch's loss curve step by step.
#@ end
#@ ex=18 part=sol
class SimpleNeuralNet(Module):
    """The first course's model, on your own classes: three Linear layers, ReLUs, and a softmax."""

    def __init__(self, d_input=784, d_hidden_0=2000, d_hidden_1=400, d_output=10):
        super().__init__()
        self.implementation = Sequential(
            Linear(d_input, d_hidden_0),
            ReLU(),
            Linear(d_hidden_0, d_hidden_1),
            ReLU(),
            Linear(d_hidden_1, d_output),
            Softmax(dim=-1),
        )

    def forward(self, x):
        return self.implementation(x)


def train_model(model, inputs, expected_outputs, epochs, lr):
    """Full-batch gradient descent with SGD and mse_loss; returns each epoch's loss, as floats."""
    optimizer = SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = mse_loss(model(inputs), expected_outputs)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


#@ end
#@ ex=18 part=stub
class SimpleNeuralNet(Module):
    """The first course's model, on your own classes: three Linear layers, ReLUs, and a softmax."""

    def __init__(self, d_input=784, d_hidden_0=2000, d_hidden_1=400, d_output=10):
        super().__init__()
        # TODO
        raise NotImplementedError("SimpleNeuralNet.__init__: self.implementation, a Sequential of the six layers")

    def forward(self, x):
        return self.implementation(x)


def train_model(model, inputs, expected_outputs, epochs, lr):
    """Full-batch gradient descent with SGD and mse_loss; returns each epoch's loss, as floats."""
    # TODO
    raise NotImplementedError("train_model: one SGD step per epoch on the mse_loss, returning the losses")


#@ end
#@ ex=18 part=main
if __name__ == "__main__":
    np.random.seed(0)
    labels = np.arange(200) % 10
    prototypes = np.random.rand(10, 64)  # ten made-up "digits" of 64 pixels, each seen with noise
    inputs = Tensor(prototypes[labels] + 0.3 * np.random.randn(200, 64))
    expected = Tensor(np.eye(10)[labels])
    model = SimpleNeuralNet(d_input=64, d_hidden_0=32, d_hidden_1=16, d_output=10)
    losses = train_model(model, inputs, expected, epochs=60, lr=10.0)
    print("loss every 10 epochs:", [round(loss, 4) for loss in losses[::10]])
#@ end
#@ ex=19 part=intro
# Time to read real handwriting. `kata.data.load_mnist()` gives MNIST's
# (image, label) pairs, each image a torch tensor of shape (1, 28, 28) with
# values in [0, 1] and each label an int; without a network connection it
# falls back to scikit-learn's handwritten digits, scaled to the same size.
# Your network takes NumPy, so:
# - `dataset_to_arrays(dataset, count)`: the first `count` pairs as a float64
#   array of flattened images, shape (count, 784), in the dataset's order,
#   and an int array of their labels, shape (count,);
# - `one_hot(labels, num_classes=10)`: a float64 array of shape
#   (len(labels), num_classes), each row all zeros but a 1 at its label;
# - `accuracy(model, images, labels)`: the fraction (a float) of the images
#   whose largest output is at their label. Measuring is not training: it
#   records no graph.
# The demo (`python exercises/19_digits.py`) trains on a few thousand digits
# and prints the accuracy on digits the model never saw; chance is 10%.
#@ end
#@ ex=19 part=sol
def dataset_to_arrays(dataset, count):
    """The first `count` (image, label) pairs as (float64 images of shape (count, 784), int labels of shape (count,))."""
    images, labels = [], []
    for _, (image, label) in zip(range(count), dataset):  # zip stops before reading item `count`
        images.append(np.asarray(image, dtype=np.float64).reshape(-1))
        labels.append(int(label))
    return np.array(images, dtype=np.float64).reshape(len(images), -1), np.array(labels, dtype=np.int64)


def one_hot(labels, num_classes=10):
    """A row per label: zeros, with a 1 at the label."""
    labels = np.asarray(labels)
    encoded = np.zeros((len(labels), num_classes), dtype=np.float64)
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


def accuracy(model, images, labels):
    """The fraction of images whose largest output is at their label."""
    with no_grad():
        outputs = model(images)
    return float(np.mean(outputs.data.argmax(axis=-1) == np.asarray(labels)))


#@ end
#@ ex=19 part=stub
def dataset_to_arrays(dataset, count):
    """The first `count` (image, label) pairs as (float64 images of shape (count, 784), int labels of shape (count,))."""
    # TODO
    raise NotImplementedError("dataset_to_arrays: the first `count` images, flattened, and their labels, as arrays")


def one_hot(labels, num_classes=10):
    """A row per label: zeros, with a 1 at the label."""
    # TODO
    raise NotImplementedError("one_hot: a row of zeros per label, with a 1 at the label")


def accuracy(model, images, labels):
    """The fraction of images whose largest output is at their label."""
    # TODO
    raise NotImplementedError("accuracy: the fraction of images the model labels right, without recording a graph")


#@ end
#@ ex=19 part=main
if __name__ == "__main__":
    from kata.data import load_mnist, render_digit

    np.random.seed(0)
    loaded = load_mnist()
    if loaded.notice:
        print(loaded.notice)
    images, labels = dataset_to_arrays(loaded.dataset, 1500)
    train_x, train_y = Tensor(images[:1300]), Tensor(one_hot(labels[:1300]))
    test_x, test_y = Tensor(images[1300:]), labels[1300:]
    model = SimpleNeuralNet(d_hidden_0=64, d_hidden_1=32)  # smaller than the seed's, so that NumPy trains it in seconds
    print(f"held-out accuracy before training: {accuracy(model, test_x, test_y):.1%} (chance is 10%)")
    for round_ in range(6):
        losses = train_model(model, train_x, train_y, epochs=25, lr=8.0)
        print(f"after {25 * (round_ + 1)} epochs: loss {losses[-1]:.4f}, "
              f"held-out accuracy {accuracy(model, test_x, test_y):.1%}")
    print(render_digit(images[1300].reshape(28, 28)))
    with no_grad():
        guess = int(model(Tensor(images[1300:1301])).data.argmax())
    print(f"the model reads this as {guess}; its label is {labels[1300]}")
#@ end
