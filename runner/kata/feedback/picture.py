"""Pictures of a wrong tensor: the expected values and the learner's side by side as heat grids,
with the cells that differ marked.

Two halves, on two sides of the process boundary:

- `kata.feedback.picture_build.build(actual, expected)` runs in the check child and chooses what
  to draw, as plain data in the format below (sent as JSON after the failure message, see
  `kata.contract.PICTURE_MARK`): the child never knows the terminal.
- `render(data, color=...)`, here, runs where the text is shown (the CLI, watch) and uses the
  standard library only. With colour, each cell is a block of the viridis colour map (256 colours, or 24-bit
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


# --- the format: plain data, sent as JSON after the failure message ---------------------------

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
