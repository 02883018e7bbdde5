# %%
import numpy as np
from kata.earlier import earlier

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
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Value = earlier("02").Value  # your Value from 01 and 02, for the demo


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


# %%
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
    # Your Value's backward from 02, against finite differences: d(a**3 + 2a)/da at a = 1.5.
    a = Value(1.5)
    (a**3 + a * 2).backward()
    print("Value's gradient:", a.grad, " numerically:", numerical_grad(lambda v: float(v**3 + 2 * v), np.array(1.5)))
