"""Checks for 08 elementwise: Tensor.exp, log, relu and ** with a plain number, forward and backward.

hypothesis draws shapes (0-D to 3-D) and values; the function runs next to the learner's code
(`learner_side`) and on float64 torch tensors, which give the expected values and gradients.
"""

import gc
import itertools
import math
import os

import numpy as np
import torch
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers

from kata.expect import ExpectationFailed, fail, learner_side

# Two costs of hypothesis's first run, cut: it scans the source of every loaded module for constants to
# try (~0.3 s with torch loaded, cached in a .hypothesis/ folder in the learner's workspace), and it calls
# gc.collect(), which walks all of torch's objects unless they were frozen first.
providers._get_local_constants = lambda: providers._local_constants
gc.freeze()

# Every shape of 0 to 3 dimensions with sides 1 to 3, smallest first: what
# hypothesis.extra.numpy.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3) draws, listed once (a
# sampled_from draws in ~0.1 ms, array_shapes in ~1 ms), so that shrinking still ends on the smallest.
_ALL_SHAPES = sorted((s for d in range(0, 4) for s in itertools.product(range(1, 4), repeat=d)),
                     key=lambda s: (math.prod(s), len(s), s))
SHAPES = st.sampled_from(_ALL_SHAPES)
SEEDS = st.integers(0, 2**16)


def _cases(n=None):
    """A property-based step: its @examples, then the random examples of conftest.py's hypothesis profile (or n),
    drawn from kata's seed (verify --seeds varies it), then the smallest failing one, found by shrinking."""

    def wrap(test):
        if n is not None:
            test = settings(max_examples=n)(test)
        return seed(int(os.environ.get("KATA_SEED", "0")))(test)

    return wrap


def _index(i):
    return "(" + ", ".join(str(int(v)) for v in i) + ("," if len(i) == 1 else "") + ")"


def _values(x):
    return f" = {np.round(x, 3).tolist()}" if np.size(x) <= 6 else ""


def _same(got, want, what, example, shape_hint=""):
    if got is None:
        fail(f"{what} is None.{example}")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        fail(f"{what} has shape {got.shape}, but it should have shape {want.shape}.{shape_hint}{example}")
    wrong = ~np.isclose(got, want, atol=1e-9, rtol=1e-7)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        at = f" at index {_index(index)}, its first wrong entry" if index else ""
        fail(f"{what} is wrong{at}: expected {want[index]:.6g}, got {got[index]:.6g} "
             f"({int(wrong.sum())} of {wrong.size} entries differ).{example}")


def _unary(ex, op, x, k, g):
    """Next to the learner's code: one function on a leaf Tensor, then backward(g); x's data afterwards too."""
    a = ex.Tensor(x, requires_grad=True)
    if op == "exp":
        out = a.exp()
    elif op == "log":
        out = a.log()
    elif op == "relu":
        out = a.relu()
    else:
        out = a**k
    if not isinstance(out, ex.Tensor):
        return {"problem": f"returned {type(out).__name__}, not a Tensor"}
    out.backward(g)
    return {"out": out.data, "grad": a.grad, "x": a.data}


def _torch(op, t, k):
    return {"exp": lambda: t.exp(), "log": lambda: t.log(), "relu": lambda: torch.relu(t), "pow": lambda: t**k}[op]()


def _check(ex, op, x, k=None, values=0, run=None, found=" (found by hypothesis)"):
    run = run or learner_side(ex, _unary)
    expr = {"exp": "x.exp()", "log": "x.log()", "relu": "x.relu()", "pow": f"x ** {k}"}[op]
    g = np.random.default_rng(values).uniform(-1, 1, np.shape(x))
    example = f"\n  The smallest failing example{found}: {expr} with x of shape {np.shape(x)}{_values(x)}."
    got = run(ex, op, x, k, g)
    if "problem" in got:
        fail(f"{expr} {got['problem']}.{example}")
    t = torch.tensor(x, requires_grad=True)
    out = _torch(op, t, k)
    (out * torch.tensor(g)).sum().backward()  # out.backward(g) imports sympy on first use
    if not np.array_equal(np.asarray(got["x"]), x):
        fail(f"{expr} changed x itself: x.data is no longer what it was. An operation returns a new Tensor and "
             f"leaves its input alone (NumPy's out= or an in-place update changes it).{example}")
    _same(got["out"], out.detach().numpy(), f"({expr}).data", example)
    want = t.grad.numpy()
    grad = got["grad"]
    if op == "relu" and grad is not None and np.shape(grad) == want.shape:
        at_zero = (x == 0) & ~np.isclose(grad, want)
        if at_zero.any():
            fail(f"the gradient of x in x.relu() is {np.asarray(grad)[at_zero][0]:.6g} where x is exactly 0: PyTorch "
                 f"takes relu's derivative at 0 to be 0, so only x > 0 lets the gradient through.{example}")
    if op == "pow" and grad is not None and np.shape(grad) == want.shape:
        if np.allclose(grad, g * k * x**k) and not np.allclose(grad, want):
            fail(f"the gradient of x in {expr} is k * x ** k times the incoming gradient: the derivative of x ** k "
                 f"is k * x ** (k - 1).{example}")
    _same(grad, want, f"the gradient of x in {expr}", example, " A gradient has its tensor's shape.")


def _arrays(shape, values, low, high):
    return np.random.default_rng(values).uniform(low, high, shape)


def test_exp(exercise):
    """x.exp() is e to the power of each element, and passes back the gradient times exp(x)"""
    run = learner_side(exercise, _unary)

    @_cases()
    @given(shape=SHAPES, values=SEEDS)
    @example(shape=(3,), values=0)
    def prop(shape, values):
        _check(exercise, "exp", _arrays(shape, values, -3, 3), values=values, run=run)

    prop()


def test_log(exercise):
    """x.log() is the natural logarithm of each element, and passes back the gradient divided by x"""
    run = learner_side(exercise, _unary)

    @_cases()
    @given(shape=SHAPES, values=SEEDS)
    @example(shape=(3,), values=0)
    def prop(shape, values):
        _check(exercise, "log", _arrays(shape, values, 0.1, 5), values=values, run=run)

    prop()


def test_relu(exercise):
    """x.relu() keeps positive entries and zeroes the rest; its derivative is 0 at 0, as in PyTorch"""
    run = learner_side(exercise, _unary)
    _check(exercise, "relu", np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.0]]), run=run, found="")

    @_cases()
    @given(shape=SHAPES, values=SEEDS)
    def prop(shape, values):
        x = np.round(_arrays(shape, values, -2, 2))  # whole numbers, so zeros come up
        _check(exercise, "relu", x, values=values, run=run)

    prop()


def test_power(exercise):
    """x ** k for a plain number k (2, 3, 0.5, -1), with derivative k * x ** (k - 1)"""
    run = learner_side(exercise, _unary)

    @_cases()
    @given(shape=SHAPES, values=SEEDS, k=st.sampled_from([2, 3, 0.5, -1, 1.5]))
    @example(shape=(3,), values=0, k=2)
    def prop(shape, values, k):
        _check(exercise, "pow", _arrays(shape, values, 0.2, 2) * (1 if k in (0.5, 1.5) else -1), k=k, values=values,
               run=run)

    prop()
    # x = 0, where the derivative exists for k >= 1 (0 for k > 1, 1 for k = 1): a backward that divides by x
    # (k * out / x) gives nan there
    for k in (2, 3, 1):
        x = np.array([0.0, 1.0, -2.0])
        try:
            _check(exercise, "pow", x, k=k, values=0, run=run, found="")
        except ExpectationFailed as exc:
            raise ExpectationFailed(f"{exc}\n  At x = 0 the derivative of x ** {k} is {k} * 0 ** {k - 1} = "
                                    f"{k * 0 ** (k - 1)}: computed as k * x ** k / x it divides by 0.") from None

