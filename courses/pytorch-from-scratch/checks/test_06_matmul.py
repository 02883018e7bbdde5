"""Checks for 06 matmul: the matrix product of two 2-D Tensors, its gradients, and PyTorch's shape error.

hypothesis draws the sizes n, k, m and the values; the product runs next to the learner's code
(`learner_side`) and on float64 torch tensors, which give the expected values and gradients.
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

SIZES = st.integers(1, 4)


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
        fail(f"{what} is wrong at index {_index(index)}, its first wrong entry: expected {want[index]:.6g}, got "
             f"{got[index]:.6g} ({int(wrong.sum())} of {wrong.size} entries differ).{example}")


def _matmul(ex, x, y, g):
    """Next to the learner's code: a @ b on two leaf Tensors that require grad, then backward(g)."""
    a = ex.Tensor(x, requires_grad=True)
    b = ex.Tensor(y, requires_grad=True)
    out = a @ b
    if not isinstance(out, ex.Tensor):
        return {"problem": f"returned {type(out).__name__}, not a Tensor"}
    try:
        out.backward(g)
    except Exception as exc:  # reported as data, with what to look at
        return {"backward_error": f"{type(exc).__name__}: {exc}", "out": out.data}
    return {"out": out.data, "a": a.grad, "b": b.grad}


def _check(ex, x, y, g, run=None, found=" (found by hypothesis)"):
    run = run or learner_side(ex, _matmul)
    (n, k), m = x.shape, y.shape[1]
    example = f"\n  The smallest failing example{found}: a of shape {x.shape}, b of shape {y.shape}."
    got = run(ex, x, y, g)
    if "problem" in got:
        fail(f"a @ b {got['problem']}.{example}")
    _same(got["out"], x @ y, "(a @ b).data", example)
    if "backward_error" in got:
        fail(f"out.backward(gradient) failed inside your matmul's backward: {got['backward_error']}\n"
             f"The gradient arriving is ({n}, {m}), like a @ b. a's gradient must come out ({n}, {k}), a's shape, "
             f"and b's ({k}, {m}): which matrix products of the gradient with a or b (transposed or not) have "
             f"those shapes?{example}")
    a = torch.tensor(x, requires_grad=True)
    b = torch.tensor(y, requires_grad=True)
    ((a @ b) * torch.tensor(g)).sum().backward()
    for name, value, want in (("a", got["a"], a.grad.numpy()), ("b", got["b"], b.grad.numpy())):
        hint = ""
        if value is not None and np.shape(value) == want.T.shape and np.allclose(value, want.T):
            hint = f" It is the transpose of the right gradient."
        _same(value, want, f"the gradient of {name} in a @ b", example,
              shape_hint=f" A gradient has its tensor's shape.{hint}")
        if value is not None and not hint and np.shape(value) == want.shape:
            continue


def test_a_small_product(exercise):
    """a (2, 3) @ (3, 4) product has the right values and gradients"""
    x = np.arange(6.0).reshape(2, 3) - 2
    y = np.array([[1.0, 0.0, 2.0, -1.0], [0.5, 1.0, 0.0, 3.0], [2.0, -2.0, 1.0, 0.0]])
    _check(exercise, x, y, np.array([[1.0, 2.0, 0.0, -1.0], [0.5, 0.5, 1.0, 2.0]]), found="")


def test_any_sizes(exercise):
    """(n, k) @ (k, m) for any sizes, square or not, matches torch's values and gradients"""
    run = learner_side(exercise, _matmul)

    @_cases()
    @given(n=SIZES, k=SIZES, m=SIZES, values=st.integers(0, 2**16))
    @example(n=2, k=3, m=1, values=0)
    def prop(n, k, m, values):
        rng = np.random.default_rng(values)
        _check(exercise, rng.uniform(-2, 2, (n, k)), rng.uniform(-2, 2, (k, m)), rng.uniform(-1, 1, (n, m)), run)

    prop()


def _error(ex, x, y):
    """Next to the learner's code: a @ b for shapes that do not fit, and what it raised, as text."""
    try:
        ex.Tensor(x) @ ex.Tensor(y)
    except Exception as exc:  # the learner's exception, reported as data
        return {"type": type(exc).__name__, "message": str(exc)}
    return {"type": None, "message": ""}


def test_shapes_that_do_not_fit(exercise):
    """inner sizes that differ raise PyTorch's RuntimeError, naming both shapes"""
    for (n, k), (k2, m) in (((2, 3), (4, 5)), ((1, 2), (3, 1)), ((3, 2), (3, 2))):
        got = learner_side(exercise, _error)(exercise, np.ones((n, k)), np.ones((k2, m)))
        text = f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})"
        what = f"a @ b with a of shape ({n}, {k}) and b of shape ({k2}, {m})"
        if got["type"] is None:
            fail(f"{what} should raise RuntimeError(\"{text}\"), as PyTorch does, but it raised nothing.")
        if got["type"] != "RuntimeError" or "cannot be multiplied" not in got["message"]:
            fail(f"{what} should raise RuntimeError(\"{text}\"), as PyTorch does, but it raised "
                 f"{got['type']}({got['message']!r:.150}).")
        if text not in got["message"]:
            fail(f"{what} raised RuntimeError({got['message']!r:.150}), but the message should name the two shapes "
                 f"as PyTorch does, rows x columns: \"{text}\".")


def _oracle_1d(x, y, g):
    a = torch.tensor(x, requires_grad=True)
    b = torch.tensor(y, requires_grad=True)
    out = a @ b
    (out * torch.tensor(g)).sum().backward()
    return out.detach().numpy(), a.grad.numpy(), b.grad.numpy()


# 1-D operands, where torch.matmul's rules differ from the 2-D product: (k,) @ (k, m), (n, k) @ (k,), (k,) @ (k,).
# Fixed cases (k != m != n, so that a row taken for a column shows), with torch's answers computed at import.
_RNG = np.random.default_rng(6)
ONE_D = [(_RNG.uniform(-2, 2, a), _RNG.uniform(-2, 2, b)) for a, b in (
    ((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,)),
    # a size-1 dimension of the 2-D operand stays: only the 1-D operand's added one is dropped (not squeeze())
    ((3,), (3, 1)), ((1, 3), (3,)), ((1,), (1, 2)), ((2, 1), (1,)))]
ONE_D = [(x, y, np.asarray(_RNG.uniform(-1, 1, (x @ y).shape))) for x, y in ONE_D]
ONE_D = [(x, y, g, *_oracle_1d(x, y, g)) for x, y, g in ONE_D]


def test_one_d_operands(exercise):
    """a 1-D operand as torch.matmul takes it: (3,) @ (3, 2) is (2,), (2, 3) @ (3,) is (2,), (3,) @ (3,) is (),
    and (3,) @ (3, 1) is (1,): only the 1-D operand's added dimension is dropped"""
    run = learner_side(exercise, _matmul)
    rule = (" torch.matmul takes a 1-D operand on the left as a row (1, k) and on the right as a column (k, 1), and "
            "drops that size-1 dimension from the result, and no other (squeeze() drops them all); the gradient of a 1-D operand is 1-D, its own shape.")
    for x, y, g, out, grad_a, grad_b in ONE_D:
        example = f"\n  a of shape {x.shape}, b of shape {y.shape}: a @ b has shape {out.shape}."
        try:
            got = run(exercise, x, y, g)
        except Exception as exc:  # the learner's exception, named with the rule it missed
            fail(f"a @ b failed with {type(exc).__name__}: {exc}\n{rule.strip()}{example}")
        if "problem" in got:
            fail(f"a @ b {got['problem']}.{example}")
        _same(got["out"], out, "(a @ b).data", example, shape_hint=rule)
        if "backward_error" in got:
            fail(f"out.backward(gradient) failed inside your matmul's backward: {got['backward_error']}\n"
                 f"{rule.strip()}{example}")
        _same(got["a"], grad_a, "the gradient of a in a @ b", example, shape_hint=rule)
        _same(got["b"], grad_b, "the gradient of b in a @ b", example, shape_hint=rule)
