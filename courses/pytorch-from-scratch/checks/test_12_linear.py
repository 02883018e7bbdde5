"""Checks for 12 linear: Linear's parameters, PyTorch's initialisation, and x @ weight.T + bias with its gradients.

torch is the oracle: torch.nn.functional.linear with the learner's own weight and bias (read back as
arrays) gives the expected output and gradients; hypothesis draws the sizes and inputs.
"""

import gc
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

SIZES = st.integers(1, 5)


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


def _layer(ex, n_in, n_out, bias=True):
    """Next to the learner's code: a Linear layer's parameters, as data."""
    layer = ex.Linear(n_in, n_out) if bias else ex.Linear(n_in, n_out, bias=False)
    weight, b = getattr(layer, "weight", None), getattr(layer, "bias", None)
    return {"weight": None if weight is None else weight.data, "bias": None if b is None else b.data,
            "weight_is_parameter": isinstance(weight, ex.Parameter),
            "bias_is_parameter": b is None or isinstance(b, ex.Parameter),
            "parameters": [p.data.shape for p in layer.parameters()]}


def _shapes(ex, n_in, n_out, bias=True):
    got = learner_side(ex, _layer)(ex, n_in, n_out, bias)
    call = f"Linear({n_in}, {n_out}{'' if bias else ', bias=False'})"
    weight = got["weight"]
    if weight is None:
        fail(f"{call} has no `weight`: set self.weight = Parameter(...) in __init__.")
    if np.shape(weight) == (n_in, n_out) and n_in != n_out:
        fail(f"{call}.weight has shape {np.shape(weight)}, which is (in_features, out_features): it is transposed. "
             f"As in PyTorch, the weight is (out_features, in_features) = ({n_out}, {n_in}), one row per output, and "
             f"the forward pass computes x @ weight.T + bias.")
    if np.shape(weight) != (n_out, n_in):
        fail(f"{call}.weight has shape {np.shape(weight)}; it should be (out_features, in_features) = ({n_out}, {n_in}).")
    if not got["weight_is_parameter"] or not got["bias_is_parameter"]:
        fail(f"{call}'s weight and bias should be Parameters, so that parameters() finds them and they require grad.")
    if bias:
        if got["bias"] is None or np.shape(got["bias"]) != (n_out,):
            fail(f"{call}.bias should have shape (out_features,) = ({n_out},), but it is "
                 f"{'None' if got['bias'] is None else np.shape(got['bias'])}.")
    elif got["bias"] is not None:
        fail(f"{call}.bias should be None: bias=False leaves the bias out, as in PyTorch.")
    want = [(n_out, n_in), (n_out,)] if bias else [(n_out, n_in)]
    if [tuple(s) for s in got["parameters"]] != want:
        fail(f"{call}.parameters() gives parameters of shapes {got['parameters']}; it should give {want}: the weight, "
             f"then the bias{'' if bias else ' (none here)'}.")
    return got


def test_parameter_shapes(exercise):
    """weight is (out_features, in_features), bias (out_features,), both Parameters, weight first"""
    _shapes(exercise, 3, 5)
    _shapes(exercise, 4, 1)


def test_no_bias(exercise):
    """Linear(..., bias=False) has no bias: the attribute is None, and parameters() gives the weight alone"""
    _shapes(exercise, 3, 2, bias=False)


def _spread(values, bound, what):
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    biggest = float(np.abs(values).max())
    if biggest > bound * (1 + 1e-9):
        fail(f"{what} has values up to ±{biggest:.4g}, beyond ±1/sqrt(in_features) = ±{bound:.4g}: PyTorch draws "
             f"them uniformly between -{bound:.4g} and {bound:.4g}" +
             (" (np.random.randn draws from a normal distribution, which has no bound)." if biggest > 2 * bound
              else ". Is the bound 1/sqrt(in_features)?"))
    if np.all(values == 0):
        fail(f"{what} is all zeros: PyTorch initialises it uniformly in ±1/sqrt(in_features) = ±{bound:.4g}, so "
             "that the units start out different from one another.")
    if biggest < 0.9 * bound:
        fail(f"{what} only spreads over ±{biggest:.4g}; drawn uniformly in ±1/sqrt(in_features) = ±{bound:.4g}, some "
             f"of its {values.size} values come close to the bound. Is the bound 1/sqrt(in_features)?")
    std = float(values.std())
    if not 0.85 * bound / np.sqrt(3) < std < 1.15 * bound / np.sqrt(3) or abs(values.mean()) > 0.15 * bound:
        fail(f"{what} has mean {values.mean():.4g} and standard deviation {std:.4g}; a uniform draw in ±{bound:.4g} "
             f"has mean about 0 and standard deviation about {bound / np.sqrt(3):.4g}.")


def test_initialisation(exercise):
    """weight and bias start uniform in ±1/sqrt(in_features), as PyTorch's, different for every layer"""
    got = _shapes(exercise, 400, 300)
    _spread(got["weight"], 1 / np.sqrt(400), "Linear(400, 300).weight")
    got = _shapes(exercise, 16, 2000)
    _spread(got["weight"], 1 / np.sqrt(16), "Linear(16, 2000).weight")
    _spread(got["bias"], 1 / np.sqrt(16), "Linear(16, 2000).bias")
    again = _shapes(exercise, 16, 2000)
    if np.array_equal(got["weight"], again["weight"]):
        fail("two Linear(16, 2000) layers start with the same weight: draw them at random (np.random), not from a "
             "fixed seed or pattern.")


def _forward(ex, n_in, n_out, x, g, bias):
    """Next to the learner's code: a fresh Linear on x, then backward(g); parameters and gradients as data."""
    layer = ex.Linear(n_in, n_out, bias=bias)
    inputs = ex.Tensor(x, requires_grad=True)
    out = layer(inputs)
    out.backward(g)
    b = layer.bias
    return {"weight": layer.weight.data, "bias": None if b is None else b.data, "out": out.data, "x": inputs.grad,
            "weight_grad": layer.weight.grad, "bias_grad": None if b is None else b.grad}


def _check(ex, batch, n_in, n_out, values, bias=True, run=None, found=" (found by hypothesis)"):
    run = run or learner_side(ex, _forward)
    rng = np.random.default_rng(values)
    x = rng.uniform(-2, 2, (batch, n_in))
    g = rng.uniform(-1, 1, (batch, n_out))
    call = f"Linear({n_in}, {n_out}{'' if bias else ', bias=False'})"
    example = f"\n  The smallest failing example{found}: {call} on x of shape {x.shape}."
    try:
        got = run(ex, n_in, n_out, x, g, bias)
    except RuntimeError as exc:
        if "cannot be multiplied" in str(exc):
            fail(f"{call}(x) failed with RuntimeError: {exc}\nThe forward pass is x @ weight.T + bias: x is "
                 f"(batch, in_features) and weight (out_features, in_features).{example}")
        raise
    weight = torch.tensor(got["weight"], requires_grad=True)
    b = torch.tensor(got["bias"], requires_grad=True) if bias else None
    t = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.linear(t, weight, b)
    (out * torch.tensor(g)).sum().backward()  # out.backward(g) imports sympy on first use
    _same(got["out"], out.detach().numpy(), f"{call}(x).data", example)
    _same(got["x"], t.grad.numpy(), f"the gradient of x in {call}(x)", example)
    _same(got["weight_grad"], weight.grad.numpy(), f"the gradient of the weight in {call}(x)", example)
    if bias:
        _same(got["bias_grad"], b.grad.numpy(), f"the gradient of the bias in {call}(x)", example)


def test_forward_and_gradients(exercise):
    """layer(x) is x @ weight.T + bias, with torch's gradients for x, weight and bias"""
    run = learner_side(exercise, _forward)

    @_cases()
    @given(batch=SIZES, n_in=SIZES, n_out=SIZES, values=st.integers(0, 2**16))
    @example(batch=4, n_in=3, n_out=2, values=0)
    def prop(batch, n_in, n_out, values):
        _check(exercise, batch, n_in, n_out, values, run=run)

    prop()


def test_forward_without_bias(exercise):
    """without a bias, layer(x) is x @ weight.T"""
    _check(exercise, 3, 4, 2, 0, bias=False, found="")
