"""Checks for 07 sum_mean: Tensor.sum and Tensor.mean over all, one or several dimensions, with keepdim.

hypothesis draws shapes (1-D to 3-D), the dimensions reduced (negative ones too, and tuples) and
keepdim; the reduction runs next to the learner's code (`learner_side`) and on float64 torch tensors,
which give the expected values and gradients of the hand-picked cases; for the examples hypothesis draws,
the same definition in float64 NumPy (agrees with torch to rounding, ~0.3 ms less an example).
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


def _reduce(ex, op, x, dim, keepdim, g):
    """Next to the learner's code: x.sum(...) or x.mean(...) on a leaf Tensor, then backward(g)."""
    a = ex.Tensor(x, requires_grad=True)
    kwargs = {} if dim == "all" else {"dim": dim}
    if keepdim is not None:
        kwargs["keepdim"] = keepdim
    out = a.sum(**kwargs) if op == "sum" else a.mean(**kwargs)
    if not isinstance(out, ex.Tensor):
        return {"problem": f"returned {type(out).__name__}, not a Tensor"}
    if g is None:
        return {"out": out.data}
    try:
        out.backward(np.asarray(g).reshape(np.shape(out.data)) if np.size(g) == np.size(out.data) else g)
    except Exception as exc:  # reported as data, with what to look at
        return {"backward_error": f"{type(exc).__name__}: {exc}", "out": out.data}
    return {"out": out.data, "grad": a.grad}


def _call(op, dim, keepdim):
    args = [] if dim == "all" else [f"dim={dim!r}"]
    if keepdim is not None:
        args.append(f"keepdim={keepdim}")
    return f"x.{op}({', '.join(args)})"


def _torch(op, x, dim, keepdim, values):
    """torch's x.sum(...) or x.mean(...): its value, x's gradient for backward(g), and g."""
    t = torch.tensor(x, requires_grad=True)
    kwargs = {} if dim == "all" else {"dim": dim}
    if keepdim is not None:
        kwargs["keepdim"] = keepdim
    want = t.sum(**kwargs) if op == "sum" else t.mean(**kwargs)
    g = np.random.default_rng(values).uniform(-1, 1, tuple(want.shape))
    (want * torch.tensor(g)).sum().backward()  # want.backward(g) imports sympy on first use
    return want.detach().numpy(), t.grad.numpy(), g


def _numpy(op, x, dim, keepdim, values):
    """The same as `_torch`, in float64 NumPy (the definition torch computes, ~0.3 ms less an example): the
    reduction over the given axes, and x's gradient: g, with the reduced axes put back as size 1, spread over x's
    shape (divided by the number of entries averaged, for mean)."""
    axes = tuple(range(x.ndim)) if dim == "all" else tuple(d % x.ndim for d in (dim if isinstance(dim, tuple) else (dim,)))
    want = x.sum(axis=axes, keepdims=bool(keepdim)) if op == "sum" else x.mean(axis=axes, keepdims=bool(keepdim))
    g = np.random.default_rng(values).uniform(-1, 1, want.shape)
    count = math.prod(x.shape[a] for a in axes) if op == "mean" else 1
    kept = tuple(1 if a in axes else n for a, n in enumerate(x.shape))
    return want, np.broadcast_to(g.reshape(kept) / count, x.shape).copy(), g


def _check(ex, op, x, dim, keepdim, values, run=None, found=" (found by hypothesis)"):
    run = run or learner_side(ex, _reduce)
    out, want_grad, g = (_torch if found == "" else _numpy)(op, x, dim, keepdim, values)
    call = _call(op, dim, keepdim)
    example = f"\n  The smallest failing example{found}: {call} with x of shape {x.shape}."
    try:
        got = run(ex, op, x, dim, keepdim, g)
    except TypeError as exc:
        fail(f"{call} failed with TypeError: {exc}\n`dim` may be None, one dimension or a tuple of them, and "
             f"keepdim a bool, as in PyTorch.{example}")
    if "problem" in got:
        fail(f"{call} {got['problem']}.{example}")
    shape_hint = (" keepdim=True keeps each reduced dimension, with size 1." if keepdim else
                  " Without keepdim, each reduced dimension disappears.")
    if op == "mean" and got["out"] is not None and np.shape(got["out"]) == out.shape:
        if np.allclose(got["out"], out * (x.size / max(out.size, 1))) and x.size != out.size:
            fail(f"({call}).data is the sum, not the mean: divide by the number of entries averaged.{example}")
        if dim != "all" and np.allclose(got["out"], out / out.size) and out.size > 1:
            fail(f"({call}).data divides by the number of all of x's entries ({x.size}), not by the number of "
                 f"entries averaged into each result.{example}")
    _same(got["out"], out, f"({call}).data", example, shape_hint)
    if "backward_error" in got:
        fail(f"out.backward(gradient) failed inside your {op}'s backward: {got['backward_error']}\nThe gradient "
             f"arriving has the result's shape, {out.shape}; each entry of x receives the gradient of the result it "
             f"went into: put the reduced dimensions back (with size 1) before spreading it over x's shape "
             f"{x.shape}.{example}")
    _same(got["grad"], want_grad, f"the gradient of x in {call}", example,
          " A gradient has its tensor's shape.")


def _one_dims(ndim):
    """What st.one_of(st.just("all"), st.integers(-ndim, ndim - 1)) draws, simplest first (as it shrinks)."""
    return ["all"] + sorted(range(-ndim, ndim), key=lambda d: (abs(d), d < 0))


def _tuple_dims(ndim):
    """What a unique list of 1 to ndim dimensions, each made negative or not, draws, simplest first."""
    dims = [tuple(d - ndim if neg else d for d, neg in zip(chosen, signs))
            for k in range(1, ndim + 1) for chosen in itertools.permutations(range(ndim), k)
            for signs in itertools.product((False, True), repeat=k)]
    return sorted(dims, key=lambda t: (len(t), sum(d < 0 for d in t), tuple(abs(d) for d in t)))


def _cases_of(shape, tuples):
    """Every (dim, keepdim) of one shape, simplest first; keepdim None, False, True (only when dim is not "all")."""
    dims = _tuple_dims(len(shape)) if tuples and len(shape) > 1 else _one_dims(len(shape))
    return st.sampled_from([(d, k) for d in dims for k in ((None,) if d == "all" else (None, False, True))])


# Per shape, every (dim, keepdim) as one sampled_from, built once: a case is three draws (shape, dims and keepdim,
# values) instead of six to ten (~0.5 ms less an example), with the same shapes, dims and keepdims as the
# composite of one_of, integers, lists, booleans and sampled_from drew, and shrinking still to the simplest.
_DIMS = {(shape, tuples): _cases_of(shape, tuples) for shape in _ALL_SHAPES for tuples in (False, True)}


@st.composite
def _reductions(draw, tuples=False):
    shape = draw(SHAPES)
    dim, keepdim = draw(_DIMS[shape, tuples])
    return np.random.default_rng(draw(st.integers(0, 2**16))).uniform(-2, 2, shape), dim, keepdim


REDUCTIONS = _reductions()
TUPLE_REDUCTIONS = _reductions(tuples=True)


def test_sum_of_everything(exercise):
    """x.sum() adds up every entry into a Tensor of shape (), and passes its gradient to every entry"""
    _check(exercise, "sum", np.arange(6.0).reshape(2, 3), "all", None, 0, found="")


def test_sum_over_one_dimension(exercise):
    """x.sum(dim, keepdim) over one dimension, negative ones too, matches torch"""
    run = learner_side(exercise, _reduce)
    _check(exercise, "sum", np.arange(6.0).reshape(2, 3), 1, None, 0, run, found="")

    @_cases()
    @given(case=REDUCTIONS)
    @example(case=(np.arange(6.0).reshape(2, 3), 0, True))
    def prop(case):
        _check(exercise, "sum", *case, 0, run)

    prop()


def test_sum_over_several_dimensions(exercise):
    """x.sum(dim=(...)) over a tuple of dimensions matches torch"""
    run = learner_side(exercise, _reduce)

    @_cases()
    @given(case=TUPLE_REDUCTIONS)
    @example(case=(np.arange(24.0).reshape(2, 3, 4), (0, 2), False))
    def prop(case):
        _check(exercise, "sum", *case, 0, run)

    prop()


def test_mean(exercise):
    """x.mean(dim, keepdim) matches torch: the sum divided by how many entries were averaged"""
    run = learner_side(exercise, _reduce)
    _check(exercise, "mean", np.arange(6.0).reshape(2, 3), "all", None, 0, run, found="")

    @_cases()
    @given(case=REDUCTIONS)
    @example(case=(np.arange(6.0).reshape(2, 3), -1, True))
    def prop(case):
        _check(exercise, "mean", *case, 0, run)

    prop()


def test_mean_over_several_dimensions(exercise):
    """x.mean(dim=(...)) over a tuple of dimensions matches torch"""
    run = learner_side(exercise, _reduce)

    @_cases()
    @given(case=TUPLE_REDUCTIONS)
    @example(case=(np.arange(24.0).reshape(2, 3, 4), (-1, 0), True))
    def prop(case):
        _check(exercise, "mean", *case, 0, run)

    prop()


def _centre(ex, x):
    """Next to the learner's code: x - x.mean(dim=-1, keepdim=True), and x's gradient for a sum of squares."""
    a = ex.Tensor(x, requires_grad=True)
    centred = a - a.mean(dim=-1, keepdim=True)
    (centred * centred).sum().backward()
    return {"out": centred.data, "grad": a.grad}


def test_keepdim_results_broadcast(exercise):
    """with keepdim, the result broadcasts against x: x - x.mean(dim=-1, keepdim=True) centres each row"""
    x = np.array([[1.0, 2.0, 6.0], [0.0, -3.0, 3.0]])
    got = learner_side(exercise, _centre)(exercise, x)
    t = torch.tensor(x, requires_grad=True)
    centred = t - t.mean(dim=-1, keepdim=True)
    (centred * centred).sum().backward()
    example = f"\n  x = {x.tolist()}, and out = ((x - x.mean(dim=-1, keepdim=True)) ** 2).sum()."
    _same(got["out"], centred.detach().numpy(), "x - x.mean(dim=-1, keepdim=True)", example)
    _same(got["grad"], t.grad.numpy(), "the gradient of x", example)
