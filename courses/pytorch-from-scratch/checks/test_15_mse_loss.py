"""Checks for 15 mse_loss: the mean squared error with reduction "mean", "sum" or "none", and its gradients.

torch.nn.functional.mse_loss is the oracle for values and gradients (of the input, and of a target
that requires grad) in the hand-picked cases; in the examples hypothesis draws (shapes and values), the
same definition in float64 NumPy, which agrees with it to rounding and costs ~0.3 ms less an example.
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
_ALL_SHAPES = sorted((s for d in range(1, 4) for s in itertools.product(range(1, 5), repeat=d)),
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


def _same(got, want, what, example, hint=""):
    if got is None:
        fail(f"{what} is None.{hint}{example}")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        fail(f"{what} has shape {got.shape}, but it should have shape {want.shape}.{hint}{example}")
    wrong = ~np.isclose(got, want, atol=1e-9, rtol=1e-7)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        at = f" at index {_index(index)}, its first wrong entry" if index else ""
        fail(f"{what} is wrong{at}: expected {want[index]:.6g}, got {got[index]:.6g} "
             f"({int(wrong.sum())} of {wrong.size} entries differ).{example}")


def _loss(ex, x, y, reduction, target_grad, g):
    """Next to the learner's code: mse_loss on two Tensors, then backward; values and gradients as data."""
    prediction = ex.Tensor(x, requires_grad=True)
    target = ex.Tensor(y, requires_grad=target_grad)
    out = ex.mse_loss(prediction, target) if reduction is None else ex.mse_loss(prediction, target, reduction=reduction)
    if not isinstance(out, ex.Tensor):
        return {"problem": f"returned {type(out).__name__}, not a Tensor"}
    if np.shape(out.data) == np.shape(g) and out.requires_grad:
        out.backward(g)
    return {"out": out.data, "input": prediction.grad, "target": target.grad, "requires_grad": out.requires_grad}


def _torch(x, y, reduction, target_grad, g):
    """torch's mse_loss, its value and the gradients of input and target (None unless it requires grad)."""
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.tensor(y, requires_grad=target_grad)
    want = torch.nn.functional.mse_loss(tx, ty, reduction=reduction)
    (want * torch.tensor(g)).sum().backward()  # want.backward(g) imports sympy on first use
    return want.detach().numpy(), tx.grad.numpy(), None if ty.grad is None else ty.grad.numpy()


def _numpy(x, y, reduction, target_grad, g):
    """The same as `_torch`, in float64 NumPy (the definition torch computes, ~0.3 ms less an example): the value
    (x - y)**2 reduced, and the gradient 2 * (x - y) * g (divided by the number of elements for "mean")."""
    d = x - y
    squares = d * d
    want = squares.mean() if reduction == "mean" else squares.sum() if reduction == "sum" else squares
    grad = 2.0 * d * g / (x.size if reduction == "mean" else 1)
    return np.asarray(want), grad, -grad if target_grad else None


def _check(ex, x, y, reduction, target_grad=False, values=0, run=None, found=" (found by hypothesis)"):
    run = run or learner_side(ex, _loss)
    g = np.random.default_rng(values).uniform(-1, 1, x.shape) if reduction == "none" else np.array(1.0)
    w, want_input, want_target = (_torch if found == "" else _numpy)(x, y, reduction or "mean", target_grad, g)
    call = "mse_loss(input, target" + ("" if reduction is None else f", reduction={reduction!r}") + ")"
    example = f"\n  The smallest failing example{found}: {call} with input and target of shape {x.shape}."
    got = run(ex, x, y, reduction, target_grad, g)
    if "problem" in got:
        fail(f"{call} {got['problem']}.{example}")
    out = np.asarray(got["out"], dtype=np.float64)
    if reduction in (None, "mean") and out.shape == w.shape and x.size > 1 and np.isclose(out, w * x.size):
        fail(f"{call} is the sum of the squared differences, {out:.6g}; the default reduction, \"mean\", divides it "
             f"by the number of elements ({x.size}).{example}")
    if reduction != "none" and out.shape != ():
        fail(f"{call} has shape {out.shape}; with reduction {reduction or 'mean'!r} it is a single number, a Tensor of "
             f"shape () (reduce over every element, not one dimension).{example}")
    if reduction == "none" and out.shape != w.shape:
        fail(f"{call} has shape {out.shape}; with reduction='none' it keeps one squared difference per element, "
             f"shape {w.shape}.{example}")
    _same(out, w, f"{call}.data", example)
    if not got["requires_grad"]:
        fail(f"{call} does not require grad, although input does: the graph was cut. Build the loss from Tensor "
             f"operations, not from .data and NumPy.{example}")
    _same(got["input"], want_input, f"the gradient of input in {call}", example)
    if target_grad:
        _same(got["target"], want_target, f"the gradient of target in {call}", example,
              " A target that requires grad receives its gradient too.")


def _pair(shape, values):
    rng = np.random.default_rng(values)
    return rng.uniform(-2, 2, shape), rng.uniform(-2, 2, shape)


# The first mse_loss and backward of a process pay torch's lazy set-up: paid here, in the standby that imports this
# module before the save arrives, instead of in the first step.
for _reduction in ("mean", "sum", "none"):
    _t = torch.ones(2, dtype=torch.float64, requires_grad=True)
    (torch.nn.functional.mse_loss(_t, torch.zeros(2, dtype=torch.float64, requires_grad=True), reduction=_reduction)
     * torch.tensor(np.ones(2 if _reduction == "none" else ()))).sum().backward()


def test_mean_by_default(exercise):
    """mse_loss(input, target) is the mean of the squared differences, a Tensor of shape ()"""
    _check(exercise, np.array([[0.5, 1.0], [2.0, -1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]]), None, found="")
    run = learner_side(exercise, _loss)

    @_cases()
    @given(shape=SHAPES, values=st.integers(0, 2**16))
    def prop(shape, values):
        _check(exercise, *_pair(shape, values), None, values=values, run=run)

    prop()


def test_sum(exercise):
    """reduction="sum" adds the squared differences up"""
    run = learner_side(exercise, _loss)

    @_cases()
    @given(shape=SHAPES, values=st.integers(0, 2**16))
    @example(shape=(2, 3), values=0)
    def prop(shape, values):
        _check(exercise, *_pair(shape, values), "sum", values=values, run=run)

    prop()


def test_none(exercise):
    """reduction="none" keeps one squared difference per element"""
    run = learner_side(exercise, _loss)

    @_cases()
    @given(shape=SHAPES, values=st.integers(0, 2**16))
    @example(shape=(2, 3), values=0)
    def prop(shape, values):
        _check(exercise, *_pair(shape, values), "none", values=values, run=run)

    prop()


def test_a_target_that_requires_grad(exercise):
    """a target that requires grad gets its gradient too"""
    _check(exercise, *_pair((3, 2), 1), None, target_grad=True, found="")
    _check(exercise, *_pair((4,), 2), "sum", target_grad=True, found="")


def _bad(ex, reduction):
    """Next to the learner's code: mse_loss with an unknown reduction, and what it raised, as text."""
    try:
        ex.mse_loss(ex.Tensor(np.ones(2)), ex.Tensor(np.zeros(2)), reduction=reduction)
    except Exception as exc:  # the learner's exception, reported as data
        return {"type": type(exc).__name__, "message": str(exc)}
    return {"type": None, "message": ""}


def test_an_unknown_reduction(exercise):
    """an unknown reduction is PyTorch's ValueError"""
    for reduction in ("avg", "Mean"):
        got = learner_side(exercise, _bad)(exercise, reduction)
        text = f"{reduction} is not a valid value for reduction"
        if got["type"] != "ValueError" or text not in got["message"]:
            raised = "nothing" if got["type"] is None else f"{got['type']}({got['message']!r:.120})"
            fail(f"mse_loss(input, target, reduction={reduction!r}) should raise ValueError(\"{text}\"), as PyTorch "
                 f"does, but it raised {raised}.")


def _kept(ex):
    """Next to the learner's code: mse_loss on an input and a target that already hold gradients (from an earlier
    backward), then backward; what each .grad and .data held after the loss, and after backward."""
    prediction = ex.Tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    target = ex.Tensor(np.array([0.0, 1.0, 0.5]), requires_grad=True)
    prediction.grad, target.grad = np.array([10.0, 20.0, 30.0]), np.array([-1.0, -2.0, -3.0])
    held = (prediction.grad, target.grad)
    out = ex.mse_loss(prediction, target, reduction="sum")
    after_loss = {"same": prediction.grad is held[0] and target.grad is held[1],
                  "grads": [None if g is None else np.array(g) for g in (prediction.grad, target.grad)],
                  "data": [np.array(prediction.data), np.array(target.data)]}
    out.backward()
    return {"after_loss": after_loss, "grads": [None if g is None else np.array(g) for g in (prediction.grad,
                                                                                         target.grad)]}


def test_the_loss_leaves_its_inputs_alone(exercise):
    """mse_loss changes nothing it was given: gradients that input and target already hold stay, and backward adds"""
    got = learner_side(exercise, _kept)(exercise)
    setup = ("\n  input = [1, -2, 0.5] and target = [0, 1, 0.5], both requiring grad and holding .grad [10, 20, 30] and "
             "[-1, -2, -3] from an earlier backward; then mse_loss(input, target, reduction='sum').backward().")
    after = got["after_loss"]
    for name, g, was in zip(("input", "target"), after["grads"], ([10.0, 20.0, 30.0], [-1.0, -2.0, -3.0])):
        if g is None or not np.array_equal(g, was) or not after["same"]:
            fail(f"calling mse_loss changed {name}.grad: it was {was}, and after the call it is "
                 f"{None if g is None else g.tolist()}" + (" (another array)" if g is not None and np.array_equal(g, was) else "") + ". A loss only computes a new Tensor: it never clears or changes its inputs' gradients (they may "
                 f"be accumulating on purpose; clearing them is the optimizer's zero_grad()).{setup}")
    for name, d, was in zip(("input", "target"), after["data"], ([1.0, -2.0, 0.5], [0.0, 1.0, 0.5])):
        if not np.array_equal(d, was):
            fail(f"calling mse_loss changed {name}'s values to {d.tolist()}: a loss must not write into its "
                 f"inputs.{setup}")
    diff = np.array([1.0, -3.0, 0.0])
    for name, g, want in zip(("input", "target"), got["grads"], (np.array([10.0, 20.0, 30.0]) + 2 * diff,
                                                                 np.array([-1.0, -2.0, -3.0]) - 2 * diff)):
        if g is None or g.shape != want.shape or not np.allclose(g, want):
            fail(f"after backward, {name}.grad is {None if g is None else g.tolist()}, expected {want.tolist()}: "
                 f"what it held plus this loss's gradient.{setup}")
