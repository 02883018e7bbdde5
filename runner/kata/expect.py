"""Assertion helpers for check authors: comparisons whose failures teach.

A failed comparison says, in a few lines: expected and actual shape and dtype,
what went wrong in plain words when a known mistake fits (transposed, softmax
over the wrong dimension, a missing bias, ... see `kata.feedback.diagnose`), the largest
difference and where it is, how many elements differ, and for small values
both side by side. It never dumps thousands of elements.

torch and numpy are imported lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from kata.feedback import diagnose

SMALL = 12  # show values side by side up to this many elements


class ExpectationFailed(AssertionError):
    """A check's expectation was not met; the message is written for the learner.

    `picture`, when set, is the failed comparison drawn as data (`kata.feedback.picture`): kata
    shows it below the message, as heat grids of the expected and the actual values.
    """

    def __init__(self, message: str = "", picture: str = "") -> None:
        super().__init__(message)
        self.picture = picture


def fail(message: str, *, actual: Any = None, expected: Any = None) -> None:
    """Fail the step with `message`. Given both `actual` and `expected` (tensors, arrays or lists
    of numbers), the failure also shows them side by side as heat grids, differing cells marked."""
    picture = _picture(actual, expected) if actual is not None and expected is not None else ""
    raise ExpectationFailed(message, picture)


def _picture(actual: Any, expected: Any, atol: float = 1e-4, rtol: float = 1e-4) -> str:
    """The picture of a failed comparison, or "" when there is nothing to draw; never raises."""
    try:
        from kata.feedback import picture

        drawn = picture.build(_to_numpy(actual), _to_numpy(expected), atol=atol, rtol=rtol)
        return picture.encode(drawn) if drawn is not None else ""
    except Exception:  # a picture is a courtesy: it must never change the verdict
        return ""


def _is_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _to_numpy(x: Any):
    import numpy as np

    if _is_tensor(x):
        x = x.detach().cpu()
        if str(x.dtype) == "torch.bfloat16":
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def _dtype(x: Any) -> str:
    if _is_tensor(x):
        return str(x.dtype).removeprefix("torch.")
    if type(x).__module__ == "numpy":
        return str(x.dtype)
    return ""


def _describe(x: Any) -> str:
    if _is_tensor(x):
        return f"tensor of shape {tuple(x.shape)}, dtype {_dtype(x)}"
    if type(x).__module__ == "numpy":
        return f"numpy array of shape {tuple(x.shape)}, dtype {x.dtype}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of length {len(x)}"
    return f"{type(x).__name__}"


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
    dtype = _dtype(x)
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
    if _is_tensor(expected) and not _is_tensor(actual):
        fail(f"{what} should be a torch tensor, but it is a {_describe(actual)}.")
    import numpy as np

    try:
        a = _to_numpy(actual).astype(np.float64)
    except (TypeError, ValueError, RuntimeError):
        fail(f"{what} should be numbers, but it is {actual!r:.200} ({_describe(actual)}).")
    e = _to_numpy(expected).astype(np.float64)
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
                                _picture(a, e, atol=atol, rtol=rtol))
    if check_dtype and _dtype(expected) and _dtype(actual) != _dtype(expected):
        fail(f"{what} has the right values but dtype {_dtype(actual)}; it should be {_dtype(expected)}.")
    if check_grad and _is_tensor(expected):
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
    if _dtype(actual) and _dtype(expected) and _dtype(actual) != _dtype(expected):
        lines.append(f"  (its dtype is {_dtype(actual)}, the expected one's {_dtype(expected)})")
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
                _picture(numbers, [float(v) for v in expected], atol=eps, rtol=0.0))


def assert_shape(actual: Any, shape: Sequence[int], what: str = "result") -> None:
    """`actual` is a tensor or array of exactly `shape`."""
    if not hasattr(actual, "shape"):
        fail(f"{what} should be a tensor of shape {tuple(shape)}, but it is {_describe(actual)}.")
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
    got = _dtype(actual)
    if got != name:
        fail(f"{what} should have dtype {name}, but it has {got or _describe(actual)}.")


def assert_leaf_requiring_grad(tensor: Any, what: str = "tensor") -> None:
    """A leaf tensor that requires grad: what the optimizer updates and `.grad` fills."""
    if not _is_tensor(tensor):
        fail(f"{what} should be a torch tensor, but it is {_describe(tensor)}.")
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
    found = diagnose.input_modified(before, after, what)
    if found:
        fail(found)


def assert_updated_in_place(original: Any, current: Any, what: str = "the parameter",
                            address: int | None = None) -> None:
    """`current` is still the object `original` (and, given `address`, in the same memory).

    For updates that must happen in place (`x -= ...`), so that every holder of
    the tensor sees them: catches `x = x - ...` and `x.data = ...`.
    """
    found = diagnose.parameter_rebound(original, current, what, original_address=address)
    if found:
        fail(found)


def assert_grad_fresh(actual: Any, expected: Any, previous: Any = None, what: str = "the gradient") -> None:
    """A gradient matches `expected` alone, not `expected` plus an earlier call's (`previous`)."""
    found = diagnose.gradient_accumulated(actual, expected, previous) if actual is not None else None
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
    from kata.feedback.source import softmax_calls_without_dim

    for line, code in softmax_calls_without_dim(module)[:1]:
        fail(f"{module.__file__}:{line}: {code:.80}\n"
             "This softmax does not say over which dimension to normalise, so PyTorch guesses one from the "
             "input's number of dimensions (a deprecated guess, with a warning): each row for a batch, but the "
             f"batch itself for a 1-D or 3-D input. Name it: {dim}.")


def attribute_assignments(module: Any, function: str, attribute: str) -> list[tuple[int, str]]:
    """(line, code) of each `something.attribute = ...` in the learner's function `function`, read
    from its file with `ast`: e.g. `x.data = x.data - ...`, which swaps a tensor's memory behind
    autograd's back. Empty when the file cannot be read."""
    from kata.feedback.source import attribute_assignments as find

    return find(module, function, attribute)


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


def _remote(obj: Any) -> bool:
    """True for a proxy of the judged mode (kata.judge.handles.Handle), without asking the other side."""
    return any(cls.__module__ == "kata.judge.handles" and cls.__name__ == "Handle" for cls in type(obj).__mro__)
