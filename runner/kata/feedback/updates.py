"""Names mistakes in how a tensor was updated: changed in place when it should not have been,
replaced when it should have been updated in place, gradients accumulated over calls.

Like `kata.feedback.diagnose`, each function returns one sentence naming the mistake, or None.
"""

from __future__ import annotations

from typing import Any

from kata.feedback.arrays import as_array, close, index_text, number, pair


def gradient_accumulated(actual: Any, expected: Any, previous: Any = None) -> str | None:
    """A gradient that also holds an earlier backward()'s: `.grad` was not reset between calls."""
    a, e = pair(actual, expected)
    if a is None or a.shape != e.shape or close(a, e):
        return None
    if previous is not None:
        p = as_array(previous)
        if p is not None and p.shape == e.shape and close(a, e + p):
            return ("the gradient is this call's plus an earlier one's: gradients accumulated. backward() adds onto "
                    ".grad, so reset it (`.grad = None`) before each backward().")
    for k in (2, 3, 4):
        if close(a, k * e) and not close(e, 0 * e):
            return (f"the gradient is {k} × the expected one: backward() ran {k} times and the gradients "
                    "accumulated. Reset .grad (`.grad = None`) before backward(), and call it once.")
    return None


def input_modified(before: Any, after: Any, what: str = "the input") -> str | None:
    """The caller's tensor changed during the call: it was modified in place."""
    import numpy as np

    b, a = pair(before, after)
    if b is None:
        return None
    if b.shape != a.shape:
        return (f"{what} was modified in place: its shape changed from {tuple(b.shape)} to {tuple(a.shape)}. "
                "Leave it as it is and return a new tensor.")
    changed = ~np.isclose(a, b, atol=0, rtol=0, equal_nan=True)
    if not changed.any():
        return None
    first = np.argwhere(changed)[0] if a.ndim else ()
    where = f" (the first at index {index_text(first)}: {number(float(b[tuple(first)]))} became {number(float(a[tuple(first)]))})"
    return (f"{what} was modified in place: {int(changed.sum())} of {a.size} values changed{where}. "
            "Work on a new tensor instead (no `x[...] =`, `x +=` or methods ending in `_` on it).")


def parameter_rebound(original: Any, current: Any, what: str = "the parameter",
                      original_address: int | None = None) -> str | None:
    """A parameter replaced by a new tensor (`x = x - ...`) instead of updated in place (`x -= ...`)."""
    if current is not original:
        return (f"{what} was rebound to a new tensor instead of updated in place: `x = x - ...` makes a new "
                "tensor (no longer the leaf that training updates), and whoever holds the old one never sees the "
                "change. Update it in place, `x -= ...`, under torch.no_grad().")
    address = getattr(current, "data_ptr", None)
    if original_address is not None and callable(address) and address() != original_address:
        return (f"{what} is the same object but its memory was replaced (`x.data = ...` or `x.set_(...)`): "
                "update the values in place instead, `x -= ...`, under torch.no_grad().")
    return None
