"""An `.ipynb` turned into the Python module the checks import, without running anything.

A notebook is plain JSON, so this needs no jupytext. Each code cell is copied in order under its
marker line (`kata.notebook.lines`); IPython magics and shell escapes (`%matplotlib inline`,
`!pip install x`, a `%%bash` cell) are not Python: they are left out (a `pass` or a comment in
their place keeps the line numbers) and listed, so the learner is told.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from kata.notebook.lines import MARKER

# At the start of a statement: `%magic`, `!shell`, `x = %magic`, `x = !shell`, `?name`, `name?`.
_MAGIC = re.compile(r"^(?:[%!?]|[\w.\[\], ]+?\s*=\s*[%!](?!=)|[\w.]+\?\??\s*$)")


class NotebookError(ValueError):
    """The file is not a notebook kata can read; the message says what to do."""


@dataclass
class Converted:
    """A notebook as Python: the joined source, and each line left out as (cell, line, text)."""

    source: str
    left_out: list[tuple[int, int, str]] = field(default_factory=list)


def cells(text: str | bytes) -> list[tuple[int, str, str]]:
    """(number, cell_type, source) of every cell, numbered from 1. Raises NotebookError."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise NotebookError(f"this notebook is not valid JSON{where}: open it in Jupyter or VS Code and "
                            "save it again, or `kata reset` it.") from None
    raw = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        old = isinstance(data, dict) and "worksheets" in data
        raise NotebookError("this notebook is in the old nbformat 3; save it again in Jupyter to update it."
                            if old else "this file has no notebook cells (no \"cells\" list).")
    found = []
    for number, cell in enumerate(raw, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"cell {number} of this notebook is not a cell.")
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"cell {number} of this notebook has no readable source.")
        found.append((number, str(cell.get("cell_type", "")), source))
    return found


def to_python(text: str | bytes) -> Converted:
    """The notebook's code cells joined into one module, magics left out. Raises NotebookError."""
    out: list[str] = []
    left: list[tuple[int, int, str]] = []
    for number, kind, source in cells(text):
        if kind != "code":
            continue
        out.append(MARKER.format(number))
        lines = source.splitlines()
        first = next((line for line in lines if line.strip()), "")
        if _keeps_body(first):  # `%%time`: the body is Python and runs; only the magic line is left out
            at = lines.index(first)
            left.append((number, at + 1, first.strip()))
            out.extend(_without_magics(lines[:at] + [f"# {first}"] + lines[at + 1:], number, left))
        elif first.lstrip().startswith("%%"):  # a cell magic: its body is not Python (or not only)
            left.append((number, lines.index(first) + 1, first.strip()))
            out.extend(f"# {line}" if line.strip() else "" for line in lines)
        else:
            out.extend(_without_magics(lines, number, left))
        out.append("")
    return Converted("\n".join(out) + "\n", left)


# Cell magics that run their body as Python in the kernel: the check runs it too (once).
PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun"})


def _keeps_body(first: str) -> bool:
    stripped = first.strip()
    return stripped.startswith("%%") and stripped[2:].split(" ", 1)[0] in PYTHON_BODY_MAGICS


def cell_to_python(source: str) -> Converted:
    """One cell's code (`%%kata`), its magics and shell escapes left out, lines kept in place."""
    left: list[tuple[int, int, str]] = []
    lines = source.splitlines()
    return Converted("\n".join(_without_magics(lines, 1, left)) + "\n", left)


def _without_magics(lines: list[str], cell: int, left: list[tuple[int, int, str]]) -> list[str]:
    """`lines` with each magic or shell escape that starts a statement replaced by `pass`."""
    kept = []
    scanner = _Scanner()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if scanner.at_statement_start() and stripped and _MAGIC.match(stripped) and not stripped.startswith("!="):
            left.append((cell, number, stripped))
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}pass  # left out by kata: {stripped}"
        scanner.feed(line)
        kept.append(line)
    return kept


class _Scanner:
    """Just enough of Python's lexing to know whether a line starts a statement: open brackets,
    strings running over lines, backslash continuations. Never parses or runs anything."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None
        self.continued = False

    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        while i < n:
            char = line[i]
            if self.quote is not None:
                if char == "\\":
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote = None
                    continue
                i += 1
                continue
            if char == "#":
                break
            if char in "'\"":
                self.quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else char
                i += len(self.quote)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            i += 1
        ends_in_backslash = line.rstrip("\r\n").endswith("\\")
        if self.quote in ("'", '"') and not ends_in_backslash:
            self.quote = None  # an unterminated one-line string: a syntax error Python will report
        self.continued = ends_in_backslash and self.quote is None
