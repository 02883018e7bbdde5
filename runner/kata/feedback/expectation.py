"""What a failed check raises, and the plain words kata's assertion helpers describe values with.

`ExpectationFailed` lives here, below both `kata.expect` (the check author's API) and
`kata.feedback.shapecheck`, which raise it: neither imports the other. Its public name stays
`kata.expect.ExpectationFailed` (see the class), which is how messages, pictures and judged
mode know it. torch and numpy are imported lazily.
"""

from __future__ import annotations

from typing import Any


class ExpectationFailed(AssertionError):
    """A check's expectation was not met; the message is written for the learner.

    `picture`, when set, is the failed comparison drawn as data (`kata.feedback.picture`): kata
    shows it below the message, as heat grids of the expected and the actual values.
    """

    def __init__(self, message: str = "", picture: str = "") -> None:
        super().__init__(message)
        self.picture = picture


# Checks import it from kata.expect, failures.with_picture draws only its pictures, and judged mode
# rebuilds it by module and name: all of them know it as kata.expect.ExpectationFailed.
ExpectationFailed.__module__ = "kata.expect"


def fail(message: str, *, actual: Any = None, expected: Any = None) -> None:
    """Fail the step with `message`. Given both `actual` and `expected` (tensors, arrays or lists
    of numbers), the failure also shows them side by side as heat grids, differing cells marked."""
    picture = picture_of(actual, expected) if actual is not None and expected is not None else ""
    raise ExpectationFailed(message, picture)


def picture_of(actual: Any, expected: Any, atol: float = 1e-4, rtol: float = 1e-4) -> str:
    """The picture of a failed comparison, or "" when there is nothing to draw; never raises."""
    try:
        from kata.feedback import picture
        from kata.feedback.picture_build import build

        drawn = build(to_numpy(actual), to_numpy(expected), atol=atol, rtol=rtol)
        return picture.encode(drawn) if drawn is not None else ""
    except Exception:  # a picture is a courtesy: it must never change the verdict
        return ""


def is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def to_numpy(x: Any):
    import numpy as np

    if is_tensor(x):
        x = x.detach().cpu()
        if str(x.dtype) == "torch.bfloat16":
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def dtype_name(x: Any) -> str:
    if is_tensor(x):
        return str(x.dtype).removeprefix("torch.")
    if type(x).__module__ == "numpy":
        return str(x.dtype)
    return ""


def describe(x: Any) -> str:
    """What `x` is, with its article, to follow "it is": "a tensor of shape (2,), dtype float32", "an int"."""
    if is_tensor(x):
        return f"a tensor of shape {tuple(x.shape)}, dtype {dtype_name(x)}"
    if type(x).__module__ == "numpy" and hasattr(x, "shape"):
        return f"a NumPy array of shape {tuple(x.shape)}, dtype {x.dtype}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of length {len(x)}"
    if x is None:
        return "None"
    name = type(x).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
