"""Pictures of a wrong tensor: the expected values and the learner's side by side as heat grids,
with the cells that differ marked.

Two halves, on two sides of the process boundary:

- `build(actual, expected)` runs in the check child (NumPy, imported lazily). It chooses what to
  draw: the whole tensor when it is 1-D or 2-D after squeezing and at most 32 × 32 (64 for a
  vector), else the window or the 2-D slice that holds the worst difference. It puts both on one
  shade scale, as levels 0-9, and marks the cells that are not close. The result is plain data
  (sent as JSON after the failure message, see `kata.contract.PICTURE_MARK`): the child never
  knows the terminal.
- `render(data, color=...)` runs where the text is shown (the CLI, watch) and uses the standard
  library only. With colour, each cell is a block of the viridis colour map (256 colours, or 24-bit
  when COLORTERM says so); without, a shade character `·░▒▓█`. In both, a differing cell of the
  learner's grid carries a `×`, so a log or CI reads like the terminal. `color_mode` decides,
  respecting NO_COLOR.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, Mapping

MAX_SIDE = 32  # a grid's rows and columns
MAX_VECTOR = 64  # a vector's elements
LEVELS = 10
SHADES = "·░▒▓█"  # levels 0-1, 2-3, 4-5, 6-7, 8-9
MARK = "×"
NOT_FINITE = "!"
_LEVEL_CHARS = set("0123456789n")
VERSION = 1

# viridis at ten evenly spaced points: dark purple (low) to yellow (high)
VIRIDIS = [(68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
           (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37)]
_NAN_RGB = (215, 48, 39)
# the same ten in xterm's 256 colours, picked by eye so that no two neighbours merge
VIRIDIS_256 = [53, 54, 61, 24, 30, 36, 71, 113, 148, 220]
_NAN_256 = 160


# --- the child's half: what to draw ----------------------------------------------------------

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


def encode(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True)


# --- the shown half: drawing it --------------------------------------------------------------

def decode(data: Any) -> dict | None:
    """A picture from its JSON (or dict), checked field by field; None for anything malformed, so a
    message made to look like a picture can never break the report or reach the terminal raw."""
    if isinstance(data, str):
        try:
            data = json.loads(data) if data else None
        except ValueError:
            return None
    try:
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return None
        lo, hi = float(data["lo"]), float(data["hi"])
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return None
        grids = data["grids"]
        if not isinstance(grids, list) or len(grids) != 2:
            return None
        clean: list[dict[str, Any]] = []
        for grid in grids:
            rows = grid["rows"]
            if (not isinstance(rows, list) or not 1 <= len(rows) <= MAX_SIDE
                    or not all(isinstance(r, str) and 1 <= len(r) <= MAX_VECTOR and set(r) <= _LEVEL_CHARS
                               for r in rows)):
                return None
            shape = [int(n) for n in grid["shape"]][:8]
            clean.append({"label": _printable(grid.get("label", ""), 20), "shape": shape, "rows": rows,
                          "where": _printable(grid.get("where", ""), 60), "row0": max(int(grid.get("row0", 0)), 0)})
        picture: dict[str, Any] = {"lo": lo, "hi": hi, "grids": clean, "vector": bool(data.get("vector")),
                                   "focus": int(data.get("focus", 0)), "marks": None}
        marks = data.get("marks")
        if marks is not None:
            actual = clean[1]["rows"]
            if (not isinstance(marks, list) or len(marks) != len(actual)
                    or any(not isinstance(m, str) or len(m) != len(r) or set(m) - set(".x")
                           for m, r in zip(marks, actual))):
                return None
            picture["marks"] = marks
            picture["differ"], picture["size"] = int(data["differ"]), int(data["size"])
        return picture
    except (KeyError, TypeError, ValueError):
        return None


def _printable(text: Any, limit: int) -> str:
    return "".join(c for c in str(text) if c.isprintable())[:limit]


def color_mode(color: bool, env: Mapping[str, str] | None = None) -> str | None:
    """How to colour pictures on a terminal that has colour (`color`): None (plain), "256" or "24bit".

    NO_COLOR (set and not empty, see no-color.org) and TERM=dumb turn colour off.
    """
    env = os.environ if env is None else env
    if not color or env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return None
    return "24bit" if env.get("COLORTERM", "").lower() in ("truecolor", "24bit") else "256"


def min_lines(data: Any) -> int:
    """The fewest lines `render` needs to draw anything."""
    return 3


def render(data: Any, color: str | None = None, max_lines: int | None = None, indent: str = "  ") -> list[str]:
    """The picture as lines of text: a header naming both grids, the grids, a legend. Empty when
    `data` is no picture or `max_lines` leaves too little room. A grid taller than the room shows the
    rows around the worst difference. `color` is `color_mode`'s answer: None draws shade characters."""
    picture = decode(data)
    if picture is None or (max_lines is not None and max_lines < min_lines(picture)):
        return []
    expected, actual = picture["grids"]
    marks = _shown_marks(picture)
    if picture["vector"]:
        return _render_vector(picture, color, indent)
    height = max(len(expected["rows"]), len(actual["rows"]))
    start, stop = 0, height
    if max_lines is not None and height > max_lines - 2:
        room = max_lines - 2
        start = min(max(picture["focus"] - room // 2, 0), height - room)
        stop = start + room
    width = max(len(r) for g in (expected, actual) for r in g["rows"])
    cell = 2 if width <= MAX_SIDE // 2 else 1
    heads = [_head(g) for g in (expected, actual)]
    left = max(len(heads[0]), len(expected["rows"][0]) * cell) + 4
    row0 = expected["row0"] if len(expected["rows"]) >= len(actual["rows"]) else actual["row0"]
    shown = f"  (rows {row0 + start}–{row0 + stop - 1} shown)" if (start, stop) != (0, height) else ""
    lines = [indent + heads[0].ljust(left) + heads[1] + shown]
    for i in range(start, stop):
        left_cells = _cells(expected["rows"][i], None, cell, color) if i < len(expected["rows"]) else ""
        pad = left - len(expected["rows"][0]) * cell if i < len(expected["rows"]) else left
        mark_row = marks[i] if marks is not None and i < len(marks) else None
        right_cells = _cells(actual["rows"][i], mark_row, cell, color) if i < len(actual["rows"]) else ""
        lines.append((indent + left_cells + " " * pad + right_cells).rstrip())
    lines.append(indent + _legend(picture, color))
    return lines


def _render_vector(picture: dict, color: str | None, indent: str) -> list[str]:
    expected, actual = picture["grids"]
    width = max(len(expected["rows"][0]), len(actual["rows"][0]))
    cell = 2 if width <= MAX_VECTOR // 2 else 1
    shown = _shown_marks(picture)
    marks = shown[0] if shown is not None else None
    heads = [_head(g) for g in (expected, actual)]
    pad = max(len(h) for h in heads) + 1
    return [indent + heads[0].ljust(pad) + _cells(expected["rows"][0], None, cell, color),
            indent + heads[1].ljust(pad) + _cells(actual["rows"][0], marks, cell, color),
            indent + _legend(picture, color)]


def _shown_marks(picture: dict) -> list[str] | None:
    """The marks to draw: none when every cell differs (a × on each would only hide the shades)."""
    marks = picture["marks"]
    if marks is None or picture["differ"] >= picture["size"]:
        return None
    return marks


def _head(grid: dict) -> str:
    shape = "(" + ", ".join(map(str, grid["shape"])) + ("," if len(grid["shape"]) == 1 else "") + ")"
    return f"{grid['label']} {shape}" + (f" {grid['where']}" if grid["where"] else "")


def _cells(levels: str, marks: str | None, cell: int, color: str | None) -> str:
    out = []
    for j, level in enumerate(levels):
        marked = marks is not None and marks[j] == "x"
        if color is None:
            shade = NOT_FINITE if level == "n" else SHADES[int(level) * len(SHADES) // LEVELS]
            text = (shade + MARK if cell == 2 else MARK) if marked else shade * cell
            out.append(text)
        else:
            text = (" " + MARK if cell == 2 else MARK) if marked else (NOT_FINITE + " ")[:cell] if level == "n" \
                else " " * cell
            out.append(_paint_cell(level, text, color))
    return "".join(out) + ("\x1b[0m" if color else "")


def _paint_cell(level: str, text: str, color: str) -> str:
    rgb, index = (_NAN_RGB, _NAN_256) if level == "n" else (VIRIDIS[int(level)], VIRIDIS_256[int(level)])
    dark_text = level != "n" and int(level) >= 6
    fg, fg_index = ((0, 0, 0), 16) if dark_text else ((255, 255, 255), 231)
    return f"{_sgr(48, rgb, color, index)}{_sgr(38, fg, color, fg_index)}\x1b[1m{text}"


def _sgr(kind: int, rgb: tuple[int, int, int], color: str, index: int) -> str:
    if color == "24bit":
        return f"\x1b[{kind};2;{rgb[0]};{rgb[1]};{rgb[2]}m"
    return f"\x1b[{kind};5;{index}m"


def _legend(picture: dict, color: str | None) -> str:
    lo, hi = _number(picture["lo"]), _number(picture["hi"])
    if color is None:
        scale = f"{SHADES} {lo} … {hi}"
    else:
        ramp = "".join(_paint_cell(str(level), " ", color) for level in range(LEVELS)) + "\x1b[0m"
        scale = f"{lo} {ramp} {hi}"
    if picture["marks"] is None:
        return f"{scale}   shapes differ: cells are not compared"
    if picture["differ"] >= picture["size"]:
        return f"{scale}   every cell differs"
    return f"{scale}   {MARK} differs: {picture['differ']} of {picture['size']}"


def _number(v: float) -> str:
    return f"{v:.3g}"
