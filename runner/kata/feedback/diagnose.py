"""Names common tensor mistakes in plain words, once a comparison has failed.

Pure functions on values. Each takes what a check already holds (the learner's
result, the expected one, sometimes the input) and returns one sentence naming
the mistake, or None when that mistake does not fit. A wrong number alone
teaches little; "it is transposed" or "the softmax ran over the batch" tells a
learner where to look. `diagnose` tries the value-based ones in a fixed order.

Tensors, NumPy arrays, lists and numbers are all accepted (`kata.feedback.arrays`);
mistakes in how a tensor was updated (in place, rebound, accumulated) are named by
`kata.feedback.updates`.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

from kata.feedback.arrays import ATOL, RTOL, as_array, close, index_text, is_constant, number, pair, quiet
from kata.feedback.updates import gradient_accumulated

MAX_PERMUTED_AXES = 5  # 5! = 120 permutations at most


def nan_or_inf(actual: Any, expected: Any = None) -> str | None:
    """NaN or Inf where the expected values have none, and where the first one is."""
    import numpy as np

    a = as_array(actual)
    if a is None or a.size == 0:
        return None
    e = as_array(expected) if expected is not None else None
    nan, inf = np.isnan(a), np.isinf(a)
    if e is not None and e.shape == a.shape:
        nan, inf = nan & ~np.isnan(e), inf & ~np.isinf(e)
    bad = nan | inf
    if not bad.any():
        return None
    first = np.argwhere(bad)[0] if a.ndim else ()
    kind = "NaN" if (nan.any() and not inf.any()) else "Inf" if not nan.any() else "NaN and Inf"
    where = f", the first at index {index_text(first)}" if a.ndim else ""
    count = int(bad.sum())
    cause = (" A log or division of 0 or of a negative number, or values that grew too large (exp of a big "
             "number), are the usual causes.")
    return f"it contains {kind}: {count} of {a.size} values{where}.{cause}"


def transposed(actual: Any, expected: Any) -> str | None:
    """The expected result with rows and columns swapped, or with its axes in another order."""
    a, e = pair(actual, expected)
    if a is None or a.ndim < 2 or a.ndim != e.ndim or a.size != e.size or a.size <= 1:
        return None
    if a.ndim == 2:
        if close(a, e.T) and not close(e, e.T):
            return "it is the expected result transposed: rows and columns are swapped."
        return None
    if a.ndim > MAX_PERMUTED_AXES:
        return None
    for order in itertools.permutations(range(e.ndim)):
        if order == tuple(range(e.ndim)):
            continue
        candidate = e.transpose(order)
        if candidate.shape == a.shape and close(a, candidate) and not close(candidate.reshape(e.shape), e):
            return (f"its axes are in the wrong order: it is the expected result with its axes permuted to "
                    f"{order}.")
    return None


def _sums_to_one(x, dim: int) -> bool:
    import numpy as np

    return bool((x >= -ATOL).all() and np.allclose(x.sum(axis=dim), 1.0, atol=1e-4))


def _dim_words(dim: int, ndim: int) -> str:
    if ndim == 2:
        return "each row" if dim == 1 else "each column"
    return f"every slice along dim={dim}"


def wrong_dim_normalised(actual: Any, expected: Any) -> str | None:
    """A softmax (or any normalisation) over the wrong dimension: columns sum to 1 instead of rows."""
    a, e = pair(actual, expected)
    if a is None or a.ndim < 2 or a.shape != e.shape or close(a, e):
        return None
    e_dims = [d for d in range(e.ndim) if e.shape[d] > 1 and _sums_to_one(e, d)]
    a_dims = [d for d in range(a.ndim) if a.shape[d] > 1 and _sums_to_one(a, d)]
    if not e_dims or not a_dims or set(e_dims) & set(a_dims):
        return None
    want, got = e_dims[-1], a_dims[-1]
    want_arg = "-1" if want == e.ndim - 1 else str(want)
    return (f"{_dim_words(got, a.ndim)} sums to 1 instead of {_dim_words(want, e.ndim)}: the softmax (or "
            f"normalisation) ran over dim={got} instead of dim={want_arg}.")


def _reductions() -> dict[str, Callable]:
    import numpy as np

    def softmax(x, axis):
        z = np.exp(x - x.max(axis=axis, keepdims=True))
        return z / z.sum(axis=axis, keepdims=True)

    def log_softmax(x, axis):
        return np.log(softmax(x, axis))

    return {
        "sum": lambda x, axis: x.sum(axis=axis),
        "mean": lambda x, axis: x.mean(axis=axis),
        "max": lambda x, axis: x.max(axis=axis),
        "min": lambda x, axis: x.min(axis=axis),
        "argmax": lambda x, axis: x.argmax(axis=axis),
        "softmax": softmax,
        "log_softmax": log_softmax,
    }


def _matches(a, candidate) -> bool:
    if candidate.shape != a.shape:
        if candidate.size != a.size or candidate.squeeze().shape != a.squeeze().shape:
            return False
        candidate = candidate.reshape(a.shape)
    return close(a, candidate)


def reduced_over_wrong_dim(actual: Any, expected: Any, source: Any) -> str | None:
    """The right reduction (sum, mean, max, softmax, ...) of `source`, but over another dimension."""
    a, e = pair(actual, expected)
    s = as_array(source)
    if a is None or s is None or s.ndim < 2 or _matches(a, e):
        return None
    for name, op in _reductions().items():
        with quiet():
            right = [d for d in range(s.ndim) if _matches(e, op(s, d))]
            if not right:
                continue
            wrong = [d for d in range(s.ndim) if d not in right and _matches(a, op(s, d))]
        if wrong:
            want = "-1" if right[-1] == s.ndim - 1 else str(right[-1])
            return f"it is the {name} over dim={wrong[0]}, but the {name} over dim={want} was expected."
    return None


def constant_factor(actual: Any, expected: Any) -> str | None:
    """Every value is the same multiple of the expected one: a flipped sign, or a missing or extra scale."""
    import numpy as np

    a, e = pair(actual, expected)
    if a is None or a.shape != e.shape or a.size < 2 or close(a, e) or is_constant(e):
        return None
    scale = float(np.abs(e).max())
    nonzero = np.abs(e) > 1e-6 * max(scale, 1e-12)
    if not nonzero.any() or not np.allclose(a[~nonzero], 0.0, atol=ATOL):
        return None
    ratios = a[nonzero] / e[nonzero]
    factor = float(np.median(ratios))
    if not np.allclose(ratios, factor, rtol=1e-3, atol=1e-6) or abs(factor - 1.0) < 1e-3:
        return None
    if abs(factor + 1.0) < 1e-3:
        return "it has the right size but the wrong sign: every value is negated (a minus sign too many, or missing)."
    if abs(factor) < 1e-9:
        return None
    return (f"every value is {number(factor)} × the expected one: off by a constant factor "
            "(a scale missing or applied twice, a sum where a mean was wanted, or the reverse?).")


def constant_offset(actual: Any, expected: Any) -> str | None:
    """Off by the same amount everywhere, or by the same vector in every row: a missing (or extra) bias."""
    import numpy as np

    a, e = pair(actual, expected)
    if a is None or a.shape != e.shape or a.size <= 1 or close(a, e) or is_constant(e):
        return None
    diff = a - e
    if np.allclose(diff, diff.reshape(-1)[0], atol=ATOL, rtol=RTOL):
        c = float(diff.reshape(-1)[0])
        return f"every value is off by the same amount ({c:+.4g}): a constant (a bias?) added or left out."
    if a.ndim >= 2 and a.shape[0] > 1:
        row = diff[0]
        if np.allclose(diff, row[None], atol=ATOL, rtol=RTOL) and not np.allclose(row, 0.0, atol=ATOL):
            shown = np.array2string(row.reshape(-1)[:4], precision=3, separator=", ").strip("[]")
            more = ", …" if row.size > 4 else ""
            return (f"every row is off by the same vector [{shown}{more}]: a bias left out (or added twice)?")
    return None


def reversed_order(actual: Any, expected: Any) -> str | None:
    """The right values in reverse order (a list built back to front)."""
    a, e = pair(actual, expected)
    if a is None or a.ndim != 1 or a.shape != e.shape or a.size < 2 or close(a, e) or close(e, e[::-1]):
        return None
    if close(a, e[::-1]):
        return "it holds the right values in reverse order: the last comes first."
    return None


def diagnose(actual: Any, expected: Any, *, source: Any = None, previous: Any = None,
             gradient: bool = False) -> str | None:
    """The first mistake that explains why `actual` is not `expected`, in plain words, or None.

    `source` is the input a reduction or softmax ran over (to name the dimension);
    `previous` an earlier gradient, and `gradient` says the values are a gradient,
    so that doubled values read as accumulated gradients.
    """
    tries: list[Callable[[], str | None]] = [
        lambda: nan_or_inf(actual, expected),
        lambda: transposed(actual, expected),
        lambda: reversed_order(actual, expected),
        lambda: wrong_dim_normalised(actual, expected),
    ]
    if source is not None:
        tries.append(lambda: reduced_over_wrong_dim(actual, expected, source))
    if gradient or previous is not None:
        tries.append(lambda: gradient_accumulated(actual, expected, previous))
    tries += [lambda: constant_factor(actual, expected), lambda: constant_offset(actual, expected)]
    with quiet():
        for attempt in tries:
            try:
                found = attempt()
            except (ValueError, TypeError, IndexError):  # odd shapes or dtypes: no diagnosis, never a crash
                found = None
            if found:
                return found
    return None
