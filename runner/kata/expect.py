"""Assertion helpers for check authors: the public API of `kata.feedback`, imported by every check.

`from kata.expect import ...` in a check module. Each helper raises `ExpectationFailed` (an
AssertionError) with a message written for the learner. The comparisons themselves live in
`kata.feedback.compare` (values) and `kata.feedback.expectation` (the failure and its picture);
this module adds the checks of shape, dtype, autograd state and in-place updates, what the
learner's source says (`kata.feedback.source`), jaxtyping annotations (`kata.feedback.shapecheck`)
and helpers placed next to the learner's code in judged mode (`learner_side`).

torch and numpy are imported lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence, TypeGuard

from kata.feedback import updates
from kata.feedback.compare import SMALL, assert_close, assert_floats_close
from kata.feedback.expectation import ExpectationFailed, describe, dtype_name, fail, is_tensor
from kata.feedback.inputs import assert_left_alone, tensor_state

__all__ = [
    "SMALL", "ExpectationFailed", "fail", "assert_close", "assert_floats_close", "assert_shape", "assert_dtype",
    "assert_leaf_requiring_grad", "assert_unchanged", "assert_updated_in_place", "assert_grad_fresh",
    "learner_assignment", "assert_softmax_dim_named", "attribute_assignments", "learner_line", "progress_bars",
    "mentions",
    "typechecked", "typecheck_module", "learner_side", "tensor_state", "assert_left_alone",
]


def assert_shape(actual: Any, shape: Sequence[int], what: str = "result") -> None:
    """`actual` is a tensor or array of exactly `shape`."""
    if not hasattr(actual, "shape"):
        fail(f"{what} should be a tensor of shape {tuple(shape)}, but it is {describe(actual)}.")
    got = tuple(actual.shape)
    if got != tuple(shape):
        extra = ""
        if len(got) == 2 and got == tuple(shape)[::-1]:
            extra = " It is transposed: rows and columns are swapped."
        elif math.prod(got) == math.prod(shape):
            extra = " It has the right number of elements in the wrong arrangement (a missing or extra dimension?)."
        fail(f"{what} should have shape {tuple(shape)}, but it has shape {got}.{extra}")


def assert_dtype(actual: Any, dtype: Any, what: str = "result") -> None:
    """`actual` has exactly `dtype` (a torch or NumPy dtype, or its name)."""
    name = str(dtype).removeprefix("torch.")
    got = dtype_name(actual)
    if got != name:
        fail(f"{what} should have dtype {name}, but it has {got or describe(actual)}.")


def assert_leaf_requiring_grad(tensor: Any, what: str = "tensor") -> None:
    """A leaf tensor that requires grad: what the optimizer updates and `.grad` fills."""
    if not is_tensor(tensor):
        fail(f"{what} should be a torch tensor, but it is {describe(tensor)}.")
    if not tensor.requires_grad:
        fail(f"{what} does not require grad, so no gradient will ever reach it. Create it with requires_grad=True.")
    if not tensor.is_leaf:
        fail(f"{what} requires grad but is not a leaf tensor: it was computed from another tensor, so `.grad` "
             "stays None. Create it, then fill it in place (e.g. under torch.no_grad()).")


def assert_unchanged(before: Any, after: Any, what: str = "the input") -> None:
    """`after` still holds `before`'s values: the call did not modify it in place.

    Take `before` as a copy (`x.clone()`) ahead of the call, and pass the caller's
    tensor itself as `after`.
    """
    found = updates.input_modified(before, after, what)
    if found:
        fail(found)


def assert_updated_in_place(original: Any, current: Any, what: str = "the parameter",
                            address: int | None = None) -> None:
    """`current` is still the object `original` (and, given `address`, in the same memory).

    For updates that must happen in place (`x -= ...`), so that every holder of
    the tensor sees them: catches `x = x - ...` and `x.data = ...`.
    """
    found = updates.parameter_rebound(original, current, what, original_address=address)
    if found:
        fail(found)


def assert_grad_fresh(actual: Any, expected: Any, previous: Any = None, what: str = "the gradient") -> None:
    """A gradient matches `expected` alone, not `expected` plus an earlier call's (`previous`)."""
    found = updates.gradient_accumulated(actual, expected, previous) if actual is not None else None
    if found:
        fail(f"{what} is wrong: {found}")
    assert_close(actual, expected, what=what, previous=previous, gradient=True)


def learner_assignment(module: Any, name: str):
    """Where the learner's file last sets the module-level `name`, and what that line reads.

    Returns a `kata.feedback.source.Assignment` (`.where`, `.code`, `.reads_attribute("grad")`), or
    None when the file cannot be read or sets `name` in a way `ast` cannot follow. Only the module's
    `__file__` is used, so it works however the module was imported. For values that are right only
    by accident: `dc_da = 10.0` typed in after `c.backward()` equals `a.grad`, but never reads it.
    """
    from kata.feedback.source import last_assignment

    return last_assignment(module, name)


def assert_softmax_dim_named(module: Any, dim: str = "dim=-1") -> None:
    """Every softmax in the learner's file names its dimension (`F.softmax(x, dim=-1)`).

    Without one, PyTorch guesses a dimension from the input's number of dimensions (deprecated): the
    guess is right for a batch of rows, so values alone cannot catch it. Read from the file with `ast`.
    """
    from kata.feedback.source import softmax_calls_without_dim, where

    for line, code in softmax_calls_without_dim(module)[:1]:
        fail(f"{where(module, line)}: {code:.80}\n"
             "This softmax does not say over which dimension to normalise, so PyTorch guesses one from the "
             "input's number of dimensions (a deprecated guess, with a warning): each row for a batch, but the "
             f"batch itself for a 1-D or 3-D input. Name it: {dim}.")


def attribute_assignments(module: Any, function: str, attribute: str) -> list[tuple[int, str]]:
    """(line, code) of each `something.attribute = ...` in the learner's function `function`, read
    from its file with `ast`: e.g. `x.data = x.data - ...`, which swaps a tensor's memory behind
    autograd's back. Empty when the file cannot be read."""
    from kata.feedback.source import attribute_assignments as find

    return find(module, function, attribute)


def learner_line(module: Any, line: int) -> str:
    """Where line `line` of the learner's file is, as the learner finds it: `path:line`, or for a
    notebook `path, cell N, line M` (the lines the source helpers above report are the module's)."""
    from kata.feedback.source import where

    return where(module, line)


_TQDM_BAR = None


def progress_bars(*outputs: str) -> list[int | None]:
    """The totals of the tqdm progress bars drawn in captured output (pass stdout and stderr): None
    for a bar without a total ("3it [00:00, ...]").

    A bar is known by the counter tqdm draws on every refresh, `k/total [elapsed`, starting with
    `0/total` when it is created. So a bar that erases itself at the end (`leave=False`), one with a
    `desc`, and one written to stdout (`file=sys.stdout`) all count, not only one left on stderr.
    """
    global _TQDM_BAR
    if _TQDM_BAR is None:
        import re

        _TQDM_BAR = re.compile(r"(?<![\w/])(\d+)(?:/(\d+)|it) \[\d+:\d\d")
    totals: list[int | None] = []
    seen: set[int | None] = set()
    for text in outputs:
        for match in _TQDM_BAR.finditer(text or ""):
            total = int(match.group(2)) if match.group(2) is not None else None
            if total not in seen:
                seen.add(total)
                totals.append(total)
    return totals


def mentions(line: str, *values: float) -> bool:
    """Whether a number printed in `line` is one of `values`: within 1e-3 + 1%, or the value rounded to
    the decimals printed (`f"{loss:.2f}"`) when those show at least two significant digits."""
    import re

    for text in re.findall(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?", line):
        number = float(text)
        digits = text.lstrip("+-").split("e")[0].split("E")[0]
        decimals = len(digits.partition(".")[2])
        significant = len(digits.replace(".", "").lstrip("0"))
        for value in values:
            if abs(number - value) <= 1e-3 + 0.01 * abs(value):
                return True
            if "e" not in text.lower() and significant >= 2 and abs(number - value) <= 0.5 * 10.0 ** -decimals + 1e-12:
                return True
    return False


def typechecked(function: Callable, name: str | None = None) -> Callable:
    """`function`, run under jaxtyping's runtime checker: shapes that break its annotations fail in one sentence.

    See `kata.feedback.shapecheck`; e.g. "`input_to_function` should be batch × d_input, got 4 × 783".
    """
    if _remote(function):  # judged mode: wrap it where it runs, in the learner's process
        return function.__kata_typechecked__(name)
    from kata.feedback.shapecheck import typechecked as wrap

    return wrap(function, name=name)


def typecheck_module(module: Any) -> Any:
    """Every jaxtyping-annotated function of the learner's `module` checked from now on, calls between them too."""
    if _remote(module):
        return module.__kata_typecheck_module__()
    from kata.feedback.shapecheck import typecheck_module as wrap

    return wrap(module)


def learner_side(exercise: Any, helper: Callable) -> Any:
    """A helper of the check module (a test double, a small model) placed next to the learner's code.

    Locally that is `helper` itself. When `kata grade` judges a submission, the
    learner's code runs in another process and only data crosses: there the
    helper is defined again in the learner's process and a handle to it comes
    back, so `learner_side(exercise, FakeDataset)(images, labels)` builds an
    object the learner's code can use. What such a helper reports back is only
    as trustworthy as the learner's code; see docs/authoring.md.
    """
    if not _remote(exercise):
        return helper
    from kata.judge.fixture import learner_side as define

    return define(exercise, helper)


def _remote(obj: Any) -> TypeGuard[Any]:
    """True for a proxy of the judged mode (kata.judge.handles.Handle), without asking the other side.
    A proxy answers any attribute (each is a request to the learner's process), hence `Any`."""
    return any(cls.__module__ == "kata.judge.handles" and cls.__name__ == "Handle" for cls in type(obj).__mro__)
