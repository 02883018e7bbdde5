"""Comparing a learner's values with the expected ones: `assert_close` and `assert_floats_close`.

A failed comparison says, in a few lines: expected and actual shape and dtype, what went wrong in
plain words when a known mistake fits (`kata.feedback.diagnose`), the largest difference and where
it is, how many elements differ, and for small values both side by side; and it carries the
picture of both. It never dumps thousands of elements. Check authors import these from `kata.expect`.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from kata.feedback import diagnose
from kata.feedback.expectation import ExpectationFailed, describe, dtype_name, fail, is_tensor, picture_of, to_numpy

SMALL = 12  # show values side by side up to this many elements


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shape(x) -> str:
    return str(tuple(int(d) for d in x.shape))


def _index(i) -> str:
    return "(" + ", ".join(str(int(v)) for v in i) + ("," if len(i) == 1 else "") + ")"


def _values(x) -> str:
    """Small values as nested lists on one line, 4 significant digits each."""
    def nested(a):
        if a.ndim == 0:
            return f"{float(a):.4g}"
        return "[" + ", ".join(nested(v) for v in a) + "]"
    return nested(x)


def _kind(x: Any, shape) -> str:
    dtype = dtype_name(x)
    return f"{shape} {dtype}".strip()


def assert_close(actual: Any, expected: Any, *, atol: float = 1e-4, rtol: float = 1e-4, what: str = "result",
                 source: Any = None, previous: Any = None, gradient: bool = False,
                 check_dtype: bool = False, check_grad: bool = False) -> None:
    """`actual` matches `expected` within tolerance: tensors, arrays, lists or scalars.

    Optional, for better messages: `source` is the input a reduction or softmax
    ran over (to name a wrong dimension); `gradient=True` (or `previous`, an
    earlier gradient) reads doubled values as accumulated gradients.
    `check_dtype` also requires the same dtype; `check_grad` the same
    requires_grad as `expected` (a cut computational graph).
    """
    if actual is None:
        fail(f"{what} is None: did you forget to `return` it?")
    if is_tensor(expected) and not is_tensor(actual):
        fail(f"{what} should be a torch tensor, but it is {describe(actual)}.")
    import numpy as np

    try:
        a = to_numpy(actual).astype(np.float64)
    except (TypeError, ValueError, RuntimeError):
        fail(f"{what} should be numbers, but it is {actual!r:.200} ({describe(actual)}).")
    e = to_numpy(expected).astype(np.float64)
    if a.shape != e.shape:
        lines = [f"{what} has the wrong shape: expected {_kind(expected, _shape(e))}, got {_kind(actual, _shape(a))}."]
        found = diagnose.transposed(a, e)
        if found:
            lines.append("  " + _sentence(found))
        elif a.size == e.size:
            lines.append("  It has the right number of elements in the wrong arrangement: a missing or extra "
                         "dimension (squeeze, unsqueeze, keepdim), or a reshape where a transpose was meant?")
        fail("\n".join(lines), actual=a, expected=e)
    bad = diagnose.nan_or_inf(a, e)
    if bad:
        fail(f"{what} is wrong: {bad}")
    close = np.isclose(a, e, atol=atol, rtol=rtol, equal_nan=True)
    if not close.all():
        raise ExpectationFailed(_values_message(actual, expected, a, e, close, what, source=source,
                                                previous=previous, gradient=gradient),
                                picture_of(a, e, atol=atol, rtol=rtol))
    if check_dtype and dtype_name(expected) and dtype_name(actual) != dtype_name(expected):
        fail(f"{what} has the right values but dtype {dtype_name(actual)}; it should be {dtype_name(expected)}.")
    if check_grad and is_tensor(expected):
        _check_grad(actual, expected, what)


def _values_message(actual, expected, a, e, close, what, **hints) -> str:
    import numpy as np

    diff = np.abs(a - e)
    diff = np.where(np.isnan(diff), 0.0, diff)
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    n_bad = int((~close).sum())
    if a.ndim == 0:
        lines = [f"{what} is {_fmt(float(a))}, expected {_fmt(float(e))}."]
    else:
        lines = [f"{what} has the right shape {_shape(a)} but wrong values: {n_bad} of {a.size} differ."]
    found = diagnose.diagnose(a, e, **hints)
    if found:
        lines.append("  " + _sentence(found))
    rel = float(diff[worst]) / abs(float(e[worst])) if float(e[worst]) else math.inf
    rel_text = f", relative {rel:.3g}" if math.isfinite(rel) else ""
    where = f" at index {_index(worst)}" if worst != () else ""
    if a.ndim:
        lines.append(f"  largest difference {_fmt(float(diff[worst]))}{where}{rel_text}: "
                     f"expected {_fmt(float(e[worst]))}, got {_fmt(float(a[worst]))}")
    if a.size <= SMALL and a.ndim:
        lines.append(f"  expected: {_values(e)}")
        lines.append(f"  actual:   {_values(a)}")
    if dtype_name(actual) and dtype_name(expected) and dtype_name(actual) != dtype_name(expected):
        lines.append(f"  (its dtype is {dtype_name(actual)}, the expected one's {dtype_name(expected)})")
    return "\n".join(lines)


def _check_grad(actual: Any, expected: Any, what: str) -> None:
    if expected.requires_grad and not actual.requires_grad:
        fail(f"{what} has the right values but does not require grad, so no gradient can flow back through it: "
             "the computational graph was cut. Build it with torch operations, with no .detach(), .item(), "
             ".numpy(), torch.tensor(...) or torch.no_grad() on the way.")
    if expected.is_leaf != actual.is_leaf and expected.requires_grad:
        if expected.is_leaf:
            fail(f"{what} has the right values but is not a leaf tensor: it was computed from another tensor, so "
                 "its .grad stays None. Create it first, then fill it in place under torch.no_grad().")
        fail(f"{what} has the right values but is a leaf tensor: it should be computed from the inputs, so that "
             "gradients flow back to them.")


def assert_floats_close(actual: Sequence[float], expected: Sequence[float], eps: float = 1e-4, what: str = "result") -> None:
    """A list of floats matches element by element within `eps` (the seed's own check, explained)."""
    if actual is None:
        fail(f"{what} is None: did you forget to `return` it?")
    try:
        actual_list = list(actual)
    except TypeError:
        fail(f"{what} should be a list of numbers, but it is {actual!r:.200}.")
    if len(actual_list) != len(expected):
        fail(f"{what} should have {len(expected)} elements, but it has {len(actual_list)}:\n"
             f"  expected: {list(expected)}\n  actual:   {actual_list!r:.300}")
    for i, (a, e) in enumerate(zip(actual_list, expected)):
        try:
            ok = abs(float(a) - float(e)) < eps
        except (TypeError, ValueError):
            fail(f"{what}[{i}] should be a number, but it is {a!r:.100}.")
        if not ok or math.isnan(float(a)):
            numbers = [float(v) for v in actual_list]
            found = diagnose.diagnose(numbers, [float(v) for v in expected])
            raise ExpectationFailed(
                f"{what}[{i}] is {a!r}, expected {e!r} (within {eps}).\n"
                + (f"  {_sentence(found)}\n" if found else "")
                + f"  expected: {list(expected)}\n  actual:   {actual_list!r:.300}",
                picture_of(numbers, [float(v) for v in expected], atol=eps, rtol=0.0))
