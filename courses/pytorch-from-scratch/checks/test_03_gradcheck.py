"""Checks for 03 gradcheck: numerical gradients by central differences, and a checker that names the first mismatch.

The functions differentiated are defined here and placed next to the learner's code (`learner_side`);
their exact gradients are worked out here. hypothesis varies shapes (0-d to 3-d), points, and where a
wrong gradient entry sits.
"""

import gc
import itertools
import math
import os

import numpy as np
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers

from kata.expect import fail, learner_side

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


def _cases(n=None):
    """A property-based step: its @examples, then the random examples of conftest.py's hypothesis profile (or n),
    drawn from kata's seed (verify --seeds varies it), then the smallest failing one, found by shrinking."""

    def wrap(test):
        if n is not None:
            test = settings(max_examples=n)(test)
        return seed(int(os.environ.get("KATA_SEED", "0")))(test)

    return wrap


def _cube_sum(x):
    """f(x) = sum of x ** 3; its gradient is 3 x ** 2."""
    return float(np.sum(x**3))


def _coupled(x):
    """f(x) = (sum of x) ** 2 + sum of x cos x: every partial derivative depends on every entry."""
    return float(np.sum(x) ** 2 + np.sum(x * np.cos(x)))


def _coupled_grad(x):
    return 2 * np.sum(x) + np.cos(x) - x * np.sin(x)


def _numerical(ex, f, x, eps):
    """Next to the learner's code: numerical_grad(f, x[, eps]) and whether the caller's x changed."""
    x = np.array(x)  # its own dtype: an integer x must work too
    before = x.copy()
    grad = ex.numerical_grad(f, x) if eps is None else ex.numerical_grad(f, x, eps)
    return {"grad": grad, "changed": not np.array_equal(x, before, equal_nan=True)}


def _index(i):
    return "(" + ", ".join(str(int(v)) for v in i) + ("," if len(i) == 1 else "") + ")"


def _grad(ex, f, x, eps=None, what="numerical_grad(f, x)", example="", unchanged=False):
    got = learner_side(ex, _numerical)(ex, f, x, eps)
    if unchanged and got["changed"]:
        fail(f"{what} changed the caller's x: afterwards it was no longer the array it was given. Work on your own "
             f"copy of x, or put each entry back exactly as it was.{example}")
    grad = got["grad"]
    if grad is None:
        fail(f"{what} returned None: did you forget to `return` the gradient?{example}")
    try:
        grad = np.asarray(grad, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{what} should return an array of numbers, but returned {grad!r:.100}.{example}")
    if grad.shape != np.shape(x):
        fail(f"{what} returned an array of shape {grad.shape}, but x has shape {np.shape(x)}: the gradient has one "
             f"entry per entry of x, in the same place.{example}")
    return grad


def _compare(grad, want, what, example, tol=1e-6, x=None, one_sided=None):
    wrong = ~np.isclose(grad, want, atol=tol, rtol=tol)
    if not wrong.any():
        return
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    at = f" at index {_index(index)}, its first wrong entry" if index else ""
    message = f"{what} is wrong{at}: expected {want[index]:.8g}, got {grad[index]:.8g}."
    if np.allclose(grad, 2 * want, atol=tol, rtol=tol):
        message += (" Every entry is twice the slope: the central difference spans 2·eps, from x - eps to x + eps, "
                    "so divide by 2·eps.")
    elif one_sided is not None and np.allclose(grad, one_sided, atol=tol * 10, rtol=tol):
        message += (" That is the one-sided difference (f(x + eps) - f(x)) / eps, accurate only to about eps; the "
                    "central difference (f(x + eps) - f(x - eps)) / (2·eps) is accurate to about eps².")
    elif not wrong.flat[0]:
        message += (" The first entries are right and later ones wrong: is every nudged entry put back before the "
                    "next one is nudged?")
    fail(message + example)


def test_cube_sum(exercise):
    """the numerical gradient of sum(x ** 3) at [1, -2, 0.5] is 3 x ** 2"""
    f = learner_side(exercise, _cube_sum)
    x = np.array([1.0, -2.0, 0.5])
    grad = _grad(exercise, f, x)
    _compare(grad, 3 * x**2, "numerical_grad(sum of x ** 3, x)", "\n  x = [1.0, -2.0, 0.5].")


def test_central_differences(exercise):
    """it uses central differences: with eps = 0.001 it is still accurate to 1e-5"""
    f = learner_side(exercise, _cube_sum)
    x = np.array([[1.0, 2.0], [-3.0, 0.5]])
    eps = 1e-3
    grad = _grad(exercise, f, x, eps, "numerical_grad(f, x, eps=0.001)")
    one_sided = ((x + eps) ** 3 - x**3) / eps
    _compare(grad, 3 * x**2, "numerical_grad(sum of x ** 3, x, eps=0.001)",
             "\n  x = [[1.0, 2.0], [-3.0, 0.5]].", tol=1e-5, one_sided=one_sided)
    coupled = learner_side(exercise, _coupled)
    grad = _grad(exercise, coupled, x, eps, "numerical_grad(f, x, eps=0.001)")
    _compare(grad, _coupled_grad(x), "numerical_grad(f, x, eps=0.001)",
             "\n  f(x) = (sum of x) ** 2 + sum of x cos(x), x = [[1.0, 2.0], [-3.0, 0.5]].", tol=1e-5)


def test_any_shape(exercise):
    """for arrays of any shape, and a function coupling every entry, it matches the exact gradient"""
    f = learner_side(exercise, _coupled)

    @_cases()
    @given(shape=SHAPES, values=st.integers(0, 2**16))
    @example(shape=(2,), values=0)
    def prop(shape, values):
        x = np.random.default_rng(values).uniform(-2, 2, shape)
        example = f"\n  The smallest failing example: f(x) = (sum of x) ** 2 + sum of x cos(x) at x of shape {shape}" + (
            f", x = {np.round(x, 4).tolist()}." if x.size <= 6 else ".")
        grad = _grad(exercise, f, x, None, "numerical_grad(f, x)", example)
        _compare(grad, _coupled_grad(x), "numerical_grad(f, x)", example, tol=1e-5)

    prop()


def test_x_is_left_unchanged(exercise):
    """the caller's x is exactly as it was afterwards"""
    f = learner_side(exercise, _coupled)
    _grad(exercise, f, np.array([0.1, 0.2, 0.3]), 1e-6, unchanged=True)
    _grad(exercise, f, np.array([[1.0, 3.0], [1e8, -7.0]]), 1e-6, unchanged=True)


def test_integer_x(exercise):
    """an x of integers gives the same gradient as the same numbers in floats (torch would compute in floats)"""
    f = learner_side(exercise, _cube_sum)
    x = np.array([1, -2, 3])
    example = "\n  x = np.array([1, -2, 3]), an array of integers (int64)."
    grad = _grad(exercise, f, x, None, "numerical_grad(sum of x ** 3, x)", example)
    want = 3.0 * x**2
    if not np.allclose(grad, want, atol=1e-4, rtol=1e-4):
        fail(f"numerical_grad(sum of x ** 3, x) is {np.round(grad, 4).tolist()} for an x of integers, expected "
             f"{want.tolist()}. A copy made with np.array(x) or x.copy() keeps the integer dtype, so x + eps is "
             "truncated back to x (and x - eps to x - 1): the nudges are lost. Copy x as float64: "
             f"np.array(x, dtype=np.float64).{example}")


def _gradcheck(ex, f, x, analytic, what, example, wrong_at=""):
    """The AssertionError gradcheck raised, else None; `wrong_at` says where `analytic` is wrong ("": nowhere)."""
    try:
        result = ex.gradcheck(f, x, analytic)
    except AssertionError as exc:
        return exc
    if wrong_at and result is not True:  # the stub asks for a raise, with the first mismatch, not a False
        fail(f"{what} returned {result!r:.80} for a gradient that is wrong at {wrong_at}, but the stub asks it to "
             "raise an AssertionError naming the first mismatch (its index, the numerical and the analytic value "
             "there), so that the caller sees where the gradient is wrong: `raise AssertionError(...)` instead of "
             f"returning.{example}")
    if result is not True:
        fail(f"{what} returned {result!r:.80}; when the gradient is right it returns True.{example}")
    return None


def test_gradcheck_accepts_a_right_gradient(exercise):
    """gradcheck returns True for the exact gradient, and for one within its tolerance"""
    f = learner_side(exercise, _coupled)
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]])
    for analytic, how in ((_coupled_grad(x), "the exact gradient"),
                          (_coupled_grad(x) * (1 + 5e-4), "a gradient within rtol = 1e-3 of it")):
        example = f"\n  x = {x.tolist()}, with {how}."
        error = _gradcheck(exercise, f, x, analytic, "gradcheck", example)
        if error is not None:
            fail(f"gradcheck raised AssertionError({str(error)!r:.200}) for {how}: it must pass when every entry is "
                 f"within atol + rtol·|numerical|.{example}")


# The shapes of at least one dimension, and the wrong entries as plain integers taken modulo the size, built once at
# module level: st.data() drew them inside the test (two more draws, and it cannot take an @example, so a stub went
# through generating and shrinking, ~18 ms); shrinking still ends on the smallest shape and the first entry.
ARRAY_SHAPES = st.sampled_from([s for s in _ALL_SHAPES if len(s) > 0])
ENTRIES = st.integers(0, 26)  # 27 = 3 * 3 * 3, the largest size


def test_gradcheck_names_the_first_wrong_entry(exercise):
    """gradcheck raises an AssertionError naming the first wrong entry's index"""
    f = learner_side(exercise, _coupled)
    # Fixed: three wrong entries, the largest mismatch in the middle, so that naming the largest or the last is told
    # apart from naming the first.
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    analytic = _coupled_grad(x)
    analytic.flat[[1, 3, 5]] += [0.5, -3.0, 1.0]
    fixed = ("\n  x = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], with the analytic gradient wrong at index (0, 1) (by "
               "0.5), at (1, 0) (by 3, the largest mismatch) and at (1, 2) (by 1).")
    error = _gradcheck(exercise, f, x, analytic, "gradcheck", fixed, "index (0, 1), (1, 0) and (1, 2)")
    if error is None:
        fail(f"gradcheck returned True for a gradient that is wrong at three entries: it must raise an "
             f"AssertionError.{fixed}")
    message = str(error)
    if "(0, 1)" not in message:
        named = next((f" It names {i}, {what}." for i, what in (("(1, 0)", "the largest mismatch"),
                                                                 ("(1, 2)", "the last mismatch")) if i in message), "")
        fail(f"gradcheck's message should name the first mismatching entry, index (0, 1) (entries counted row by "
             f"row), not the largest or the last, but it says: {message!r:.200}{named}{fixed}")

    @_cases()
    @given(shape=ARRAY_SHAPES, values=st.integers(0, 2**16), first=ENTRIES, after=ENTRIES)
    @example(shape=(3,), values=0, first=1, after=1)
    def prop(shape, values, first, after):
        x = np.random.default_rng(values).uniform(-2, 2, shape)
        analytic = _coupled_grad(x)
        size = int(np.prod(shape))
        first %= size  # the first wrong entry, any of them
        last = first + after % (size - first)  # the last wrong entry: the first again, or one after it
        analytic.flat[first] += 0.5
        analytic.flat[last] -= 2.0 if last != first else 0.0  # a larger mismatch after the first
        index = np.unravel_index(first, shape)
        text = _index(index)
        example = (f"\n  The smallest failing example: x of shape {shape}, with the analytic gradient wrong at index "
                   f"{text}" + (f" and at {_index(np.unravel_index(last, shape))}" if last != first else "") + ".")
        error = _gradcheck(exercise, f, x, analytic, "gradcheck", example, f"index {text}")
        if error is None:
            fail(f"gradcheck returned True for a gradient that is wrong at index {text}: it must raise an "
                 f"AssertionError.{example}")
        message = str(error)
        if text not in message and str(tuple(int(i) for i in index)) not in message:
            fail(f"gradcheck's message should name the first mismatching entry, index {text} (an index tuple, "
                 f"entries counted row by row), but it says: {message!r:.200}{example}")

    prop()


def test_gradcheck_refuses_a_wrong_shape(exercise):
    """gradcheck raises ValueError for an analytic gradient of another shape than x"""
    f = learner_side(exercise, _coupled)
    x = np.array([0.5, 1.0, -1.0])
    for analytic in (_coupled_grad(x).reshape(3, 1), _coupled_grad(x)[:2]):
        try:
            result = exercise.gradcheck(f, x, analytic)
        except ValueError:
            continue
        except Exception as exc:
            fail(f"gradcheck raised {type(exc).__name__}({str(exc)!r:.120}) for an analytic gradient of shape "
                 f"{analytic.shape} when x has shape (3,): a gradient of another shape is a ValueError, checked "
                 "before any comparison (NumPy would broadcast the two).")
        fail(f"gradcheck returned {result!r:.60} for an analytic gradient of shape {analytic.shape} when x has "
             "shape (3,): it should raise a ValueError.")
