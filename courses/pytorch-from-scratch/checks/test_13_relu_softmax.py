"""Checks for 13 relu_softmax: the ReLU and Softmax(dim) modules, values and gradients, and a softmax that never overflows.

torch.relu and torch.softmax are the oracles (of the hand-picked cases; of the drawn ones, the same
definitions in float64 NumPy, cross-checked against torch on every shape and dim); hypothesis draws
shapes, the softmax's dimension and scores (some of them huge). The modules run next to the learner's code (`learner_side`), under
np.errstate(over="raise"), so an exp that overflows is caught even when the result looks fine.
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

from kata.expect import fail, learner_side

# Two costs of hypothesis's first run, cut: it scans the source of every loaded module for constants to
# try (~0.3 s with torch loaded, cached in a .hypothesis/ folder in the learner's workspace), and it calls
# gc.collect(), which walks all of torch's objects unless they were frozen first.
providers._get_local_constants = lambda: providers._local_constants
gc.freeze()

# Every shape of 1 to 3 dimensions with sides 1 to 4, smallest first: what
# hypothesis.extra.numpy.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4) draws, listed once (a
# sampled_from draws in ~0.1 ms, array_shapes in ~1 ms), so that shrinking still ends on the smallest.
_ALL_SHAPES = sorted((s for d in (1, 2, 3) for s in itertools.product(range(1, 5), repeat=d)),
                     key=lambda s: (math.prod(s), len(s), s))
SHAPES = st.sampled_from(_ALL_SHAPES)

# Softmax's cases: each shape with each of its dimensions (negative ones too), smallest first, and a seed for
# the values.
_SHAPE_DIMS = sorted(((s, d) for s in _ALL_SHAPES for d in range(-len(s), len(s))),
                     key=lambda sd: (math.prod(sd[0]), len(sd[0]), sd[0], abs(sd[1]), sd[1] < 0))
SOFTMAX_CASES = st.tuples(st.sampled_from(_SHAPE_DIMS), st.integers(0, 2**16)).map(lambda c: (*c[0], c[1]))


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


def _same(got, want, what, example, shape_hint=""):
    if got is None:
        fail(f"{what} is None.{example}")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        fail(f"{what} has shape {got.shape}, but it should have shape {want.shape}.{shape_hint}{example}")
    bad = ~np.isfinite(got)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        fail(f"{what} has {got[index]} at index {_index(index)}: a softmax that overflows (exp of a large score is "
             f"inf, and inf / inf is nan) or divides 0 by 0 (every exp of a very negative row underflowed).{example}")
    wrong = ~(np.abs(got - want) <= 1e-9 + 1e-7 * np.abs(want))  # np.isclose(got, want, atol=1e-9, rtol=1e-7), ~3x cheaper
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        at = f" at index {_index(index)}, its first wrong entry" if index else ""
        fail(f"{what} is wrong{at}: expected {want[index]:.6g}, got {got[index]:.6g} "
             f"({int(wrong.sum())} of {wrong.size} entries differ).{example}")


def _apply(ex, kind, dim, x, g):
    """Next to the learner's code: ReLU() or Softmax(dim) on a leaf Tensor, then backward(g); overflow raises."""
    module = ex.ReLU() if kind == "relu" else ex.Softmax(dim=dim)
    a = ex.Tensor(x, requires_grad=True)
    try:
        with np.errstate(over="raise"):
            out = module(a)
    except FloatingPointError as exc:
        return {"overflow": str(exc)}
    if not isinstance(out, ex.Tensor):
        return {"problem": f"returned {type(out).__name__}, not a Tensor"}
    out.backward(g)
    return {"out": out.data, "grad": a.grad, "x": a.data, "parameters": len(list(module.parameters()))}


def _torch(kind, dim, x, g):
    """torch.relu or torch.softmax(dim) on x: the result, and x's gradient for backward(g)."""
    t = torch.tensor(x, requires_grad=True)
    out = torch.relu(t) if kind == "relu" else torch.softmax(t, dim=dim)
    (out * torch.tensor(g)).sum().backward()  # out.backward(g) imports sympy on first use
    return out.detach().numpy(), t.grad.numpy()


def _numpy(kind, dim, x, g):
    """The same as `_torch`, in float64 NumPy (~0.3 ms less a drawn example; cross-checked against torch on every
    shape and dim): relu is max(x, 0) with gradient g where x > 0 (0 at 0, as torch); softmax is exp(x - max) over
    its sum along dim, with gradient s * (g - sum(g * s) along dim)."""
    if kind == "relu":
        return np.maximum(x, 0.0), np.where(x > 0, g, 0.0)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    s = e / e.sum(axis=dim, keepdims=True)
    return s, s * (g - (g * s).sum(axis=dim, keepdims=True))


class _Later:
    """A failure message's example, written only when a message needs it (rounding x to text costs ~0.05 ms,
    every example)."""

    def __init__(self, text):
        self.text = text

    def __format__(self, spec):
        return format(self.text(), spec)


# The first relu, softmax and backward of a process pay torch's lazy set-up: paid here, in the standby that imports
# this module before the save arrives, instead of in the first step.
_torch("relu", None, np.ones(2), np.ones(2))
_torch("softmax", -1, np.ones((2, 2)), np.ones((2, 2)))


def _check(ex, kind, dim, x, values=0, run=None, found=" (found by hypothesis)", grads=True):
    run = run or learner_side(ex, _apply)
    call = "ReLU()(x)" if kind == "relu" else f"Softmax(dim={dim})(x)"
    g = np.random.default_rng(values).uniform(-1, 1, x.shape)
    want, want_grad = (_torch if found == "" else _numpy)(kind, dim, x, g)  # torch for the hand-picked cases
    example = _Later(lambda: f"\n  The smallest failing example{found}: {call} with x of shape {x.shape}"
                             f"{f' = {np.round(x, 3).tolist()}' if x.size <= 6 else ''}.")
    try:
        got = run(ex, kind, dim, x, g)
    except ValueError as exc:
        if kind == "softmax" and "broadcast" in str(exc):
            fail(f"{call} failed with ValueError: {exc}\nA maximum or sum taken along dim must keep that dimension "
                 f"(with size 1, keepdims) to broadcast back against x.{example}")
        raise
    if "overflow" in got:
        fail(f"{call} overflowed ({got['overflow']}): exp of a large score is inf, and inf / inf is nan. Softmax does "
             f"not change when the same number is subtracted from every score along dim: subtract their maximum "
             f"first.{example}")
    if "problem" in got:
        fail(f"{call} {got['problem']}.{example}")
    if not np.array_equal(np.asarray(got["x"]), x):
        fail(f"{call} changed x itself: a module returns a new Tensor and leaves its input alone (shift a copy, "
             f"not x.data).{example}")
    if got["parameters"]:
        fail(f"{call.split('(')[0]} has parameters; it should have none.{example}")
    result = got["out"]
    if kind == "softmax" and result is not None and np.shape(result) == want.shape and x.ndim > 1:
        for other in range(-x.ndim, 0):
            if other != (dim if dim < 0 else dim - x.ndim) and not np.allclose(result, want) and np.allclose(
                    result, torch.softmax(torch.tensor(x), dim=other).numpy()):
                fail(f"{call}: the softmax is taken over dim={other} instead of dim={dim}: the probabilities must "
                     f"sum to 1 along self.dim.{example}")
    _same(result, want, f"({call}).data", example)
    if grads:
        _same(got["grad"], want_grad, f"the gradient of x in {call}", example)


def test_relu(exercise):
    """ReLU()(x) zeroes the negative entries, with torch's gradient"""
    run = learner_side(exercise, _apply)

    @_cases()
    @given(shape=SHAPES, values=st.integers(0, 2**16))
    @example(shape=(2, 3), values=0)
    def prop(shape, values):
        _check(exercise, "relu", None, np.random.default_rng(values).uniform(-2, 2, shape), values, run)

    prop()


def test_softmax_of_a_batch(exercise):
    """Softmax(dim=-1) turns each row of scores into probabilities that sum to 1"""
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    _check(exercise, "softmax", -1, x, found="", grads=False)


def test_softmax_along_dim(exercise):
    """Softmax(dim) matches torch.softmax along any dimension, values and gradients"""
    run = learner_side(exercise, _apply)

    @_cases()
    @given(case=SOFTMAX_CASES)
    @example(case=((2, 3), 0, 0))
    @example(case=((2, 3), -1, 0))
    def prop(case):
        shape, dim, values = case
        _check(exercise, "softmax", dim, np.random.default_rng(values).uniform(-3, 3, shape), values, run)

    prop()


def test_softmax_does_not_overflow(exercise):
    """Softmax of [1000., 0.] is [1., 0.], with no overflow, as PyTorch's"""
    run = learner_side(exercise, _apply)
    _check(exercise, "softmax", -1, np.array([1000.0, 0.0]), run=run, found="")
    _check(exercise, "softmax", -1, np.array([[2000.0, -2000.0], [1000.0, 1000.5]]), run=run, found="")


def test_softmax_of_very_negative_scores(exercise):
    """each row is shifted by its own maximum: a row of very negative scores still sums to 1"""
    _check(exercise, "softmax", -1, np.array([[-1000.0, -1001.0], [0.0, 1.0]]), found="")
    _check(exercise, "softmax", 0, np.array([[-1000.0, 2.0], [-1001.0, 1.0]]), found="")
