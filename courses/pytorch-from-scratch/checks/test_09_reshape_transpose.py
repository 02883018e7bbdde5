"""Checks for 09 reshape_transpose: Tensor.reshape, Tensor.transpose and Tensor.T, forward and backward.

hypothesis draws shapes, new shapes of the same size (with -1 sometimes) and pairs of dimensions; the
operation runs next to the learner's code (`learner_side`) and on float64 torch tensors, which give
the expected values and gradients.
"""

import gc
import os

import numpy as np
import torch
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.internal.conjecture import providers

from kata.expect import fail, learner_side

# Two costs of hypothesis's first run, cut: it scans the source of every loaded module for constants to
# try (~0.3 s with torch loaded, cached in a .hypothesis/ folder in the learner's workspace), and it calls
# gc.collect(), which walks all of torch's objects unless they were frozen first.
providers._get_local_constants = lambda: providers._local_constants
gc.freeze()

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


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
    wrong = ~np.isclose(got, want, atol=1e-9, rtol=1e-7)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        at = f" at index {_index(index)}, its first wrong entry" if index else ""
        fail(f"{what} is wrong{at}: expected {want[index]:.6g}, got {got[index]:.6g} "
             f"({int(wrong.sum())} of {wrong.size} entries differ).{example}")


def _move(ex, op, x, args, g):
    """Next to the learner's code: reshape, transpose or T on a leaf Tensor, then backward(g)."""
    a = ex.Tensor(x, requires_grad=True)
    if op == "reshape":
        out = a.reshape(*args)
    elif op == "transpose":
        out = a.transpose(*args)
    else:
        out = a.T
    if not isinstance(out, ex.Tensor):
        return {"problem": f"returned {type(out).__name__}, not a Tensor"}
    try:
        out.backward(g)
    except Exception as exc:  # reported as data, with what to look at
        return {"backward_error": f"{type(exc).__name__}: {exc}", "out": out.data}
    return {"out": out.data, "grad": a.grad, "x": a.data}


def _check(ex, op, x, args, values=0, run=None, found=" (found by hypothesis)"):
    run = run or learner_side(ex, _move)
    t = torch.tensor(x, requires_grad=True)
    out = t.reshape(*args) if op == "reshape" else t.transpose(*args) if op == "transpose" else t.permute(
        *reversed(range(t.ndim)))
    g = np.random.default_rng(values).uniform(-1, 1, tuple(out.shape))
    (out * torch.tensor(g)).sum().backward()  # out.backward(g) imports sympy on first use
    expr = f"x.{op}({', '.join(repr(a) for a in args)})" if op != "T" else "x.T"
    example = f"\n  The smallest failing example{found}: {expr} with x of shape {x.shape}."
    try:
        got = run(ex, op, x, list(args), g)
    except (TypeError, ValueError) as exc:
        fail(f"{expr} failed with {type(exc).__name__}: {exc}\n" + (
            "The new shape may come as one tuple or as separate numbers, as in PyTorch: x.reshape((2, 3)) and "
            "x.reshape(2, 3) are the same." if op == "reshape" else "") + example)
    if "problem" in got:
        fail(f"{expr} {got['problem']}.{example}")
    want = out.detach().numpy()
    if op != "reshape" and np.shape(got["out"]) == want.shape and not np.allclose(got["out"], want):
        if np.allclose(got["out"], x.reshape(want.shape)):
            fail(f"({expr}).data has the right shape, but its entries are where a reshape puts them: a transpose "
                 f"moves each entry to its swapped position, x[i, j] to [j, i], and a reshape does not.{example}")
    _same(got["out"], want, f"({expr}).data", example)
    if not np.array_equal(np.asarray(got["x"]), x):
        fail(f"{expr} changed x itself: an operation returns a new Tensor and leaves its input alone.{example}")
    if "backward_error" in got:
        fail(f"out.backward(gradient) failed inside your {op}'s backward: {got['backward_error']}\nThe gradient "
             f"arriving has the result's shape, {want.shape}; it must go back to x's shape {x.shape}, each entry to "
             f"the place its entry came from.{example}")
    _same(got["grad"], t.grad.numpy(), f"the gradient of x in {expr}", example,
          f" A gradient has its tensor's shape: move the gradient back the way the entries came.")


@st.composite
def _reshapes(draw):
    shape = draw(SHAPES)
    size = int(np.prod(shape))
    factors = [f for f in range(1, size + 1) if size % f == 0]
    first = draw(st.sampled_from(factors))
    rest = size // first
    second = draw(st.sampled_from([f for f in range(1, rest + 1) if rest % f == 0]))
    target = [first, second, rest // second][: draw(st.integers(1, 3))]
    target[-1] = int(size // np.prod(target[:-1]))
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    as_tuple = draw(st.booleans())
    return shape, (tuple(target),) if as_tuple else tuple(target)


def test_reshape(exercise):
    """x.reshape(...) keeps the entries in order in a new shape (a tuple or numbers, -1 inferred)"""
    run = learner_side(exercise, _move)
    x = np.arange(6.0)
    _check(exercise, "reshape", x, (2, 3), run=run, found="")
    _check(exercise, "reshape", x, ((3, -1),), run=run, found="")

    @_cases()
    @given(case=_reshapes(), values=st.integers(0, 2**16))
    def prop(case, values):
        shape, args = case
        _check(exercise, "reshape", np.random.default_rng(values).uniform(-2, 2, shape), args, values, run)

    prop()


def test_transpose(exercise):
    """x.transpose(dim0, dim1) swaps two dimensions (negative ones count from the end)"""
    run = learner_side(exercise, _move)

    @st.composite
    def swaps(draw):
        shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4))
        n = len(shape)
        return shape, (draw(st.integers(-n, n - 1)), draw(st.integers(-n, n - 1)))

    @_cases()
    @given(case=swaps(), values=st.integers(0, 2**16))
    @example(case=((2, 3), (0, 1)), values=0)
    @example(case=((3, 3), (0, 1)), values=0)
    def prop(case, values):
        shape, args = case
        _check(exercise, "transpose", np.random.default_rng(values).uniform(-2, 2, shape), args, values, run)

    prop()


def test_T(exercise):
    """x.T reverses every dimension: a matrix's rows become its columns"""
    run = learner_side(exercise, _move)
    _check(exercise, "T", np.arange(6.0).reshape(2, 3), (), run=run, found="")
    _check(exercise, "T", np.arange(9.0).reshape(3, 3), (), run=run, found="")
    _check(exercise, "T", np.arange(24.0).reshape(2, 3, 4), (), run=run, found="")
