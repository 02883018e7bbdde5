"""Checks for 05 broadcasting: unbroadcast, and +, * and / for any two broadcastable shapes, forward and backward.

hypothesis draws pairs of broadcastable shapes (from all of them, up to 3 dimensions of sides 1 to 3,
smallest first) and values; the operation runs next to the learner's code (`learner_side`) and on float64 torch
tensors, which give the expected values and gradients. A failure names the operand and the index of
its gradient's first wrong entry, for the smallest failing shapes hypothesis finds.
"""

import gc
import itertools
import math
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



def _all_pairs():
    """Every pair of shapes of up to 3 dimensions, sides 1 to 3, that broadcast together, smallest first (by the
    result's size, then the operands'), so that shrinking ends on the smallest. What
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3) draws, listed
    once here: drawing from it costs ~1.5 ms per example, a sampled_from ~0.1 ms."""
    shapes = [s for d in range(4) for s in itertools.product((1, 2, 3), repeat=d)]
    pairs = []
    for a, b in itertools.product(shapes, shapes):
        try:
            result = np.broadcast_shapes(a, b)
        except ValueError:
            continue
        pairs.append(hnp.BroadcastableShapes(input_shapes=(a, b), result_shape=result))
    size = math.prod
    return sorted(pairs, key=lambda p: (size(p.result_shape), len(p.result_shape), size(p.input_shapes[0]) +
                                        size(p.input_shapes[1]), len(p.input_shapes[0]) + len(p.input_shapes[1]),
                                        p.input_shapes))


PAIRS = st.sampled_from(_all_pairs())
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


class _Later:
    """A failure message's example, written only when a message needs it (rounding arrays to text costs ~0.1 ms,
    every example)."""

    def __init__(self, text):
        self.text = text

    def __format__(self, spec):
        return format(self.text(), spec)


def _same(got, want, what, example, shape_hint=""):
    """`got` equals `want` (an array), or a message naming the first wrong entry."""
    if got is None:
        fail(f"{what} is None.{example}")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        fail(f"{what} has shape {got.shape}, but it should have shape {want.shape}.{shape_hint}{example}")
    wrong = ~(np.abs(got - want) <= 1e-9 + 1e-7 * np.abs(want))  # np.isclose(got, want, atol=1e-9, rtol=1e-7), ~3x cheaper
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        at = f" at index {_index(index)}, its first wrong entry" if index else ""
        fail(f"{what} is wrong{at}: expected {want[index]:.6g}, got {got[index]:.6g} "
             f"({int(wrong.sum())} of {wrong.size} entries differ).{example}")


def _binary(ex, op, x, y, g):
    """Next to the learner's code: `a op b` on two leaf Tensors that require grad, then backward(g)."""
    a = ex.Tensor(x, requires_grad=True)
    b = ex.Tensor(y, requires_grad=True)
    out = a + b if op == "+" else a * b if op == "*" else a / b if op == "/" else a - b
    if not isinstance(out, ex.Tensor):
        return {"problem": f"returned {type(out).__name__}, not a Tensor"}
    out.backward(g)
    return {"out": out.data, "a": a.grad, "b": b.grad}


def _sum_to(a, shape):
    """a summed back to `shape` (torch's Tensor.sum_to_size): over the leading dimensions `shape` lacks, then
    over those where `shape` has size 1."""
    a = a.sum(axis=tuple(range(a.ndim - len(shape))))
    return a.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape)


def _numpy(op, x, y, g):
    """The same as `_oracle`, in float64 NumPy (~0.3 ms less an example; cross-checked equal to torch on every pair
    of shapes): the result, and each operand's gradient, g times the local derivative, summed back to its shape."""
    if op == "+":
        return x + y, _sum_to(g, np.shape(x)), _sum_to(g, np.shape(y))
    if op == "-":
        return x - y, _sum_to(g, np.shape(x)), _sum_to(-g, np.shape(y))
    if op == "*":
        return x * y, _sum_to(g * y, np.shape(x)), _sum_to(g * x, np.shape(y))
    return x / y, _sum_to(g / y, np.shape(x)), _sum_to(-g * x / (y * y), np.shape(y))


def _oracle(op, x, y, g):
    a = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    out = {"+": lambda: a + b, "*": lambda: a * b, "/": lambda: a / b, "-": lambda: a - b}[op]()
    (out * torch.tensor(g, dtype=torch.float64)).sum().backward()  # out.backward(g) imports sympy on first use
    return out.detach().numpy(), a.grad.numpy(), b.grad.numpy()


def _check(ex, op, x, y, g, run, found=" (found by hypothesis)"):
    expr = f"a {op} b"
    example = _Later(lambda: f"\n  The smallest failing example{found}: a of shape {np.shape(x)}{_values(x)}, "
                             f"b of shape {np.shape(y)}{_values(y)}, and out.backward(gradient) with a gradient of "
                             f"shape {np.shape(g)}{_values(g)}.")
    got = run(ex, op, x, y, g)
    if "problem" in got:
        fail(f"{expr} {got['problem']}.{example}")
    out, ga, gb = (_oracle if found == "" else _numpy)(op, x, y, g)  # torch for the hand-picked cases
    _same(got["out"], out, f"({expr}).data", example)
    for name, value, want, shape in (("a", got["a"], ga, np.shape(x)), ("b", got["b"], gb, np.shape(y))):
        hint = ""
        if value is not None and np.shape(value) == out.shape != shape:
            hint = (f" It has the shape of the result: {name} was broadcast to {out.shape} in the forward pass, so "
                    f"its gradient was not summed back to {name}'s own shape {shape}, over the dimensions that "
                    "broadcasting added or stretched (that is unbroadcast's job).")
        _same(value, want, f"the gradient of {name} in {expr}", example,
              shape_hint=hint or f" A gradient has exactly its tensor's shape, here {name}'s {shape}.")


def _arrays(pair, values, op):
    rng = np.random.default_rng(values)
    x = rng.uniform(-2, 2, pair.input_shapes[0])
    y = rng.uniform(-2, 2, pair.input_shapes[1])
    if op == "/":
        y = rng.uniform(0.5, 2, pair.input_shapes[1]) * rng.choice([-1.0, 1.0], pair.input_shapes[1])
    return x, y, rng.uniform(-1, 1, pair.result_shape)


# The first torch expressions, backward and sum_to_size of a process pay torch's lazy set-up: paid here, in the standby
# that imports this module before the save arrives, instead of in the first step.
for _op in "+-*/":
    _oracle(_op, np.ones((2, 1)), np.ones(3), np.ones((2, 3)))
torch.tensor(np.ones((2, 3))).sum_to_size((1, 3))


def test_unbroadcast(exercise):
    """unbroadcast sums a gradient back to the shape it was broadcast from"""

    @_cases()
    @given(pair=PAIRS, values=SEEDS)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 3), (3,)), result_shape=(2, 3)), values=0)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 3), (2, 1)), result_shape=(2, 3)), values=0)
    # both kinds at once: (1, 3) lacks a leading dimension and was stretched along its size-1 one
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 3, 3), (1, 3)), result_shape=(2, 3, 3)), values=0)
    def prop(pair, values):
        grad = np.random.default_rng(values).uniform(-1, 1, pair.result_shape)
        for shape in pair.input_shapes:
            want = torch.tensor(grad).sum_to_size(shape).numpy() if shape else np.asarray(grad.sum())
            got = exercise.unbroadcast(grad, shape)
            call = f"unbroadcast(grad of shape {grad.shape}, {shape})"
            example = _Later(lambda: f"\n  The smallest failing example: grad{_values(grad)}, shape {shape}.")
            if got is not None and np.shape(got) != np.shape(want):
                if np.ndim(got) < len(shape) and np.size(got) == np.size(want):
                    fail(f"{call} has shape {np.shape(got)}, expected {shape}: where the shape has size 1, sum with "
                         f"keepdims so that the dimension stays, with size 1.{example}")
                fail(f"{call} has shape {np.shape(got)}, expected {shape}: sum over the leading dimensions that "
                     f"`shape` lacks, and over the dimensions where the shape has size 1 (but grad does not).{example}")
            _same(got, want, call, example)

    prop()


def test_add_same_shapes(exercise):
    """a + b of two tensors of the same shape: each gets the gradient as it is"""
    run = learner_side(exercise, _binary)
    x, y = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([[0.5, -1.0, 2.0], [1.0, 1.0, -3.0]])
    _check(exercise, "+", x, y, np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]), run, found="")


def test_add_broadcasts(exercise):
    """a + b broadcasts, and each operand's gradient comes back in its own shape"""
    run = learner_side(exercise, _binary)

    @_cases()
    @given(pair=PAIRS, values=SEEDS)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 3), (3,)), result_shape=(2, 3)), values=0)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 1, 3), (4, 1)), result_shape=(2, 4, 3)), values=0)
    def prop(pair, values):
        _check(exercise, "+", *_arrays(pair, values, "+"), run)

    prop()


def test_multiply_broadcasts(exercise):
    """a * b broadcasts, with each operand's gradient the other operand times the incoming gradient, summed back"""
    run = learner_side(exercise, _binary)

    @_cases()
    @given(pair=PAIRS, values=SEEDS)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 3), (2, 3)), result_shape=(2, 3)), values=0)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 1), (1, 3)), result_shape=(2, 3)), values=0)
    def prop(pair, values):
        _check(exercise, "*", *_arrays(pair, values, "*"), run)

    prop()


def test_divide_broadcasts(exercise):
    """a / b broadcasts, with d/da = 1/b and d/db = -a/b², summed back"""
    run = learner_side(exercise, _binary)

    @_cases()
    @given(pair=PAIRS, values=SEEDS)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 3), (2, 3)), result_shape=(2, 3)), values=0)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((3,), (2, 1)), result_shape=(2, 3)), values=0)
    def prop(pair, values):
        _check(exercise, "/", *_arrays(pair, values, "/"), run)

    prop()


def _with_number(ex, x):
    """Next to the learner's code: a Tensor with plain numbers on either side; the values and a's gradient."""
    a = ex.Tensor(x, requires_grad=True)
    results = [a + 2.0, 2.0 + a, a * 3.0, 3.0 * a, a / 4.0, 1.0 / a, a - 1.0, 1.0 - a]
    total = results[0]
    for r in results[1:]:
        total = total + r
    total.backward(np.ones(np.shape(x)))
    return {"values": [r.data for r in results], "grad": a.grad}


def test_plain_numbers(exercise):
    """a plain number works on either side of +, -, * and /"""
    x = np.array([[1.0, -2.0], [0.5, 4.0]])
    try:
        got = learner_side(exercise, _with_number)(exercise, x)
    except (AttributeError, TypeError) as exc:
        fail(f"a Tensor combined with a plain number (a + 2.0, 2.0 * a, a / 4.0, ...) failed with "
             f"{type(exc).__name__}: {exc}\nA plain number must work as an operand: make it a constant Tensor first "
             "(_as_tensor does that).")
    names = ["a + 2", "2 + a", "a * 3", "3 * a", "a / 4", "1 / a", "a - 1", "1 - a"]
    wants = [x + 2, 2 + x, x * 3, 3 * x, x / 4, 1 / x, x - 1, 1 - x]
    for name, value, want in zip(names, got["values"], wants):
        _same(value, want, f"({name}).data", f"\n  a = {x.tolist()}.")
    _same(got["grad"], 1 + 1 + 3 + 3 + 0.25 - 1 / x**2 + 1 - 1, "the gradient of a",
          f"\n  out = (a + 2) + (2 + a) + (a * 3) + (3 * a) + (a / 4) + (1 / a) + (a - 1) + (1 - a), a = {x.tolist()}.")


def test_subtract_broadcasts(exercise):
    """a - b (given, built on + and *) broadcasts too"""
    run = learner_side(exercise, _binary)

    @_cases()
    @given(pair=PAIRS, values=SEEDS)
    @example(pair=hnp.BroadcastableShapes(input_shapes=((2, 3), (3,)), result_shape=(2, 3)), values=0)
    def prop(pair, values):
        _check(exercise, "-", *_arrays(pair, values, "-"), run)

    prop()
