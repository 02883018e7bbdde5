# %%
import numpy as np

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
#
# The pieces from earlier exercises are given as working code, so that this file
# runs on its own. Each of your TODOs raises NotImplementedError until you write it.


# %%
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

    def __rtruediv__(self, other):  # other / self
        return _as_tensor(other) / self

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

def _as_tensor(value):
    """A Tensor as it is; a number or an array as a constant Tensor."""
    return value if isinstance(value, Tensor) else Tensor(value)


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


class Parameter(Tensor):
    """A Tensor that a Module trains: it requires grad unless told otherwise."""

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)


class Module:
    """The base of every model and layer: it finds its Parameters and submodules from its attributes."""

    def __init__(self):
        # object.__setattr__ skips our own __setattr__ below, which needs these two to exist.
        object.__setattr__(self, "_parameters", {})  # name -> Parameter, in registration order
        object.__setattr__(self, "_modules", {})  # name -> Module, in registration order

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

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


# %%
if __name__ == "__main__":
    w = Parameter([3.0, -2.0])
    optimizer = SGD([w], lr=0.1)
    for step in range(5):
        optimizer.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}, w {w.data}")
