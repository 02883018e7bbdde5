"""Where a line of a notebook's joined module came from: its cell and its line in that cell.

Each code cell is joined under a marker line (`# %% [kata: cell N]`); the joined module is
registered in `linecache` under the notebook's path, so tracebacks and kata's feedback read its
lines (not the JSON's) and `describe_location` says "cell N, line M".
"""

from __future__ import annotations

import linecache
import os
import re

SUFFIX = ".ipynb"
MARKER = "# %% [kata: cell {}]"
_MARKER = re.compile(r"^# %% \[kata: cell (\d+)\]$")


def is_notebook(path: str | os.PathLike) -> bool:
    return os.fspath(path).endswith(SUFFIX)


def register(path: str | os.PathLike, source: str) -> None:
    """Let tracebacks and kata's feedback read the joined module's lines for `path` (not its JSON).
    An entry without a modification time is never dropped by `linecache.checkcache`."""
    name = os.fspath(path)
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)


def compile_joined(source: str, filename: str):
    """Compile a joined module as `filename`. A syntax error is told from the joined lines: Python
    would quote (and count columns in) the line of the notebook's JSON with that number."""
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError:
        pass
    try:
        compile(source, "<notebook>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        exc.filename = filename
        raise
    return compile(source, filename, "exec", dont_inherit=True)  # not reached: the same source fails again


def location(filename: str, lineno: int | None) -> tuple[int, int] | None:
    """(cell, line in that cell) of line `lineno` of a notebook's joined module, or None."""
    if not lineno or not is_notebook(filename):
        return None
    entry = linecache.cache.get(filename)
    if not entry or len(entry) != 4 or entry[1] is not None:  # not a joined module registered above
        return None
    return cell_line(entry[2], lineno)


def cell_line(lines: list[str], lineno: int) -> tuple[int, int] | None:
    """(cell, line in that cell) of line `lineno` of a joined module given as its lines, or None."""
    for index in range(min(lineno, len(lines)) - 1, -1, -1):
        found = _MARKER.match(lines[index].rstrip("\r\n"))
        if found:
            return int(found.group(1)), max(lineno - index - 1, 1)
    return None


def describe_location(filename: str, lineno: int | None, col: int | None = None) -> str:
    """`path:line` (`path:line:col`), or for a notebook `path, cell N, line M` (`, column C`)."""
    where = location(filename, lineno)
    if where is None:
        return f"{filename}:{lineno}" + (f":{col}" if col else "")
    return f"{filename}, cell {where[0]}, line {where[1]}" + (f", column {col}" if col else "")


def joined_source(path: str | os.PathLike) -> str | None:
    """The joined module registered for `path` (None when there is none)."""
    entry = linecache.cache.get(os.fspath(path))
    if entry and len(entry) == 4 and entry[1] is None:
        return "".join(entry[2])
    return None


def tell_warnings_by_cell() -> None:
    """Warnings raised in a notebook's joined module say `path, cell N, line M` (the lines Jupyter
    shows), not the joined module's line, which is nowhere in the learner's notebook."""
    import warnings

    if getattr(warnings.formatwarning, "_kata_cells", False):
        return
    plain = warnings.formatwarning

    def formatwarning(message, category, filename, lineno, line=None):
        where = location(filename, lineno)
        if where is None:
            return plain(message, category, filename, lineno, line)
        return f"{filename}, cell {where[0]}, line {where[1]}: {category.__name__}: {message}\n"

    formatwarning._kata_cells = True  # type: ignore[attr-defined]
    warnings.formatwarning = formatwarning
