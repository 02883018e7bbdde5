"""Assertion helpers for check authors: comparisons whose failures teach.

A failed comparison says, in a few lines: expected and actual shape and dtype,
the largest difference and where it is, how many elements differ, and for
small values both side by side. It never dumps thousands of elements.

torch and numpy are imported lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

SMALL = 12  # show values side by side up to this many elements


class ExpectationFailed(AssertionError):
    """A check's expectation was not met; the message is written for the learner."""


def fail(message: str) -> None:
    raise ExpectationFailed(message)


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _to_numpy(x: Any):
    import numpy as np

    if _is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _describe(x: Any) -> str:
    if _is_tensor(x):
        return f"tensor of shape {tuple(x.shape)}, dtype {str(x.dtype).removeprefix('torch.')}"
    if type(x).__module__ == "numpy":
        return f"numpy array of shape {tuple(x.shape)}, dtype {x.dtype}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of length {len(x)}"
    return f"{type(x).__name__}"


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def assert_close(actual: Any, expected: Any, *, atol: float = 1e-4, rtol: float = 1e-4, what: str = "result") -> None:
    """`actual` matches `expected` within tolerance: tensors, arrays, lists or scalars."""
    if actual is None:
        fail(f"{what} is None: did you forget to `return` it?")
    if _is_tensor(expected) and not _is_tensor(actual):
        fail(f"{what} should be a torch tensor, but it is a {_describe(actual)}.")
    import numpy as np

    try:
        a = _to_numpy(actual).astype(np.float64)
    except (TypeError, ValueError):
        fail(f"{what} should be numbers, but it is {actual!r:.200} ({_describe(actual)}).")
    e = _to_numpy(expected).astype(np.float64)
    if a.shape != e.shape:
        fail(
            f"{what} has the wrong shape.\n"
            f"  expected: {_shape(e)}  ({_describe(expected)})\n"
            f"  actual:   {_shape(a)}  ({_describe(actual)})"
        )
    bad_nan = np.isnan(a) & ~np.isnan(e)
    if bad_nan.any() or (np.isinf(a) & ~np.isinf(e)).any():
        where = np.argwhere(bad_nan | (np.isinf(a) & ~np.isinf(e)))[0]
        fail(f"{what} contains NaN or Inf: the first is at index {tuple(int(i) for i in where)}.")
    close = np.isclose(a, e, atol=atol, rtol=rtol, equal_nan=True)
    if close.all():
        return
    diff = np.abs(a - e)
    diff = np.where(np.isnan(diff), 0.0, diff)
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    n_bad = int((~close).sum())
    lines = [
        f"{what} has the right shape {_shape(a)} but wrong values: {n_bad} of {a.size} differ.",
        f"  largest difference {_fmt(float(diff[worst]))} at index {tuple(int(i) for i in worst)}: "
        f"expected {_fmt(float(e[worst]))}, got {_fmt(float(a[worst]))}",
    ]
    if a.size <= SMALL:
        lines.append(f"  expected: {_values(e)}")
        lines.append(f"  actual:   {_values(a)}")
    fail("\n".join(lines))


def _shape(x) -> str:
    return "(" + ", ".join(str(d) for d in x.shape) + ")" if x.shape else "a scalar ()"


def _values(x) -> str:
    flat = [_fmt(float(v)) for v in x.reshape(-1)]
    return "[" + ", ".join(flat) + "]"


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
            fail(f"{what}[{i}] is {a!r}, expected {e!r} (within {eps}).\n"
                 f"  expected: {list(expected)}\n  actual:   {actual_list!r:.300}")


def assert_shape(actual: Any, shape: Sequence[int], what: str = "result") -> None:
    """`actual` is a tensor or array of exactly `shape`."""
    if not hasattr(actual, "shape"):
        fail(f"{what} should be a tensor of shape {tuple(shape)}, but it is {_describe(actual)}.")
    if tuple(actual.shape) != tuple(shape):
        fail(f"{what} should have shape {tuple(shape)}, but it has shape {tuple(actual.shape)}.")


def assert_leaf_requiring_grad(tensor: Any, what: str = "tensor") -> None:
    """A leaf tensor that requires grad: what the optimizer updates and `.grad` fills."""
    if not _is_tensor(tensor):
        fail(f"{what} should be a torch tensor, but it is {_describe(tensor)}.")
    if not tensor.requires_grad:
        fail(f"{what} does not require grad, so no gradient will ever reach it. Create it with requires_grad=True.")
    if not tensor.is_leaf:
        fail(f"{what} requires grad but is not a leaf tensor: it was computed from another tensor, so `.grad` "
             "stays None. Create it, then fill it in place (e.g. under torch.no_grad()).")
