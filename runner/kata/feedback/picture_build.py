"""The check child's half of a picture: which part of a wrong tensor to draw, as plain data.

`build(actual, expected)` runs in the check child (NumPy, imported lazily). It draws the whole
tensor when it is 1-D or 2-D after squeezing and at most 32 × 32 (64 for a vector), else the
window or the 2-D slice that holds the worst difference; it puts both on one shade scale, as
levels 0-9, and marks the cells that are not close. Its result is the format of
`kata.feedback.picture`, which the CLI decodes and renders: the child never knows the terminal.
"""

from __future__ import annotations

import math
from typing import Any

from kata.feedback.picture import LEVELS, MAX_SIDE, MAX_VECTOR, VERSION


def build(actual: Any, expected: Any, atol: float = 1e-4, rtol: float = 1e-4) -> dict | None:
    """The picture of `actual` against `expected` (arrays, tensors converted by the caller), or None
    when there is nothing worth drawing (a scalar, a single element)."""
    import numpy as np

    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.size < 2 or e.size < 2:
        return None
    if a.shape == e.shape:
        close = np.isclose(a, e, atol=atol, rtol=rtol, equal_nan=True)
        if close.all():
            return None
        diff = np.abs(a - e)
        diff = np.where(np.isfinite(diff), diff, np.inf)
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.where(close, -1.0, diff))), a.shape))
        index, where, focus, row0 = _plane(a.shape, worst)
        planes = [e[index], a[index]]
        placed = [(where, row0), (where, row0)]
        marks = ~close[index]
        differ, size = int((~close).sum()), int(a.size)
    else:  # each in its own shape, from its start: there is no cell-by-cell difference to follow
        planes, placed = [], []
        for x in (e, a):
            index, where, _, row0 = _plane(x.shape, (0,) * x.ndim)
            planes.append(x[index])
            placed.append((where, row0))
        marks, focus, differ, size = None, 0, 0, 0
    lo, hi = _scale(planes)
    grids: list[dict[str, Any]] = [
        {"label": label, "shape": [int(d) for d in x.shape], "rows": _levels(plane, lo, hi), "row0": row0,
         "where": where}
        for label, plane, x, (where, row0) in zip(("expected", "actual"), planes, (e, a), placed)]
    data: dict[str, Any] = {"v": VERSION, "lo": lo, "hi": hi, "grids": grids, "focus": int(focus),
                            "vector": planes[0].ndim == 1 and planes[1].ndim == 1}
    if marks is not None:
        data["marks"] = ["".join("x" if m else "." for m in np.atleast_1d(row)) for row in np.atleast_2d(marks)]
        data["differ"], data["size"] = differ, size
    return data


def _plane(shape: tuple[int, ...], worst: tuple[int, ...]):
    """(index, label, focus row, first row) of the 1-D or 2-D part of an array of `shape` to draw: its last one
    or two dimensions longer than 1, the others fixed where the worst difference is, each drawn
    dimension windowed around it when too long. The label is empty when the whole array is drawn."""
    long = [d for d, n in enumerate(shape) if n > 1]
    drawn = long[-2:]
    side = MAX_SIDE if len(drawn) == 2 else MAX_VECTOR
    index: list[Any] = []
    parts: list[str] = []
    whole = True
    for d, n in enumerate(shape):
        if d not in drawn:
            index.append(int(worst[d]))
            parts.append(str(int(worst[d])))
            whole = whole and n == 1
            continue
        start = min(max(int(worst[d]) - side // 2, 0), max(n - side, 0))
        stop = min(start + side, n)
        index.append(slice(start, stop))
        parts.append(":" if (start, stop) == (0, n) else f"{start}:{stop}")
        whole = whole and (start, stop) == (0, n)
    row0 = index[drawn[0]].start if len(drawn) == 2 else 0
    focus = int(worst[drawn[0]]) - row0 if len(drawn) == 2 else 0
    label = "" if whole else "[" + ", ".join(parts) + "]"
    return tuple(index), label, focus, row0


def _scale(planes) -> tuple[float, float]:
    import numpy as np

    finite = np.concatenate([p[np.isfinite(p)].ravel() for p in planes])
    if not finite.size:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def _levels(plane, lo: float, hi: float) -> list[str]:
    import numpy as np

    plane = np.atleast_2d(plane)
    span = hi - lo
    rows = []
    for row in plane:
        chars = []
        for v in row:
            if not math.isfinite(float(v)):
                chars.append("n")
            elif span <= 0:
                chars.append("0")
            else:
                chars.append(str(min(int((float(v) - lo) / span * LEVELS), LEVELS - 1)))
        rows.append("".join(chars))
    return rows
