"""The CLI's reads of a notebook: its JSON only, capped at MAX_CLI_BYTES, never run.

To tell saves apart (`digest`: a save that changed only outputs or markdown is not new code), to
pick between a notebook and its jupytext-paired `.py` (`same_code`), and to list what a check
leaves out (`left_out_note`).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from kata.notebook.convert import NotebookError, cells, to_python
from kata.notebook.lines import is_notebook

MAX_CLI_BYTES = 16 * 1024 * 1024  # what the CLI reads of a notebook; outputs (plots) make them big


def read_capped(path: Path, cap: int = MAX_CLI_BYTES) -> bytes | None:
    """A plain file's bytes, without following a symlink's FIFO or reading past `cap`; None if not."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(cap + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= cap else None


def digest(path: Path) -> str:
    """What identifies the content a check would see: for a notebook, its code cells only (a save
    that changed only outputs or markdown is not new code); for any other file, all of it."""
    data = read_capped(path)
    if data is None:
        return ""
    if is_notebook(path):
        try:
            code = "\x00".join(source for _, kind, source in cells(data) if kind == "code")
        except NotebookError:
            return "bad:" + hashlib.sha256(data).hexdigest()
        return "ipynb:" + hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()
    return hashlib.sha256(data).hexdigest()


def code_lines(path: Path) -> list[str] | None:
    """The lines that are code, in order: no blank or comment lines, no magics (commented out in a
    jupytext `.py`, left out of a notebook), no markdown. A notebook and its paired `.py` agree."""
    data = read_capped(path)
    if data is None:
        return None
    if is_notebook(path):
        try:
            text = "\n".join(source for _, kind, source in cells(data) if kind == "code")
        except NotebookError:
            return None
    else:
        text = data.decode("utf-8", "replace")
    return [line.rstrip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "%", "!"))]


def same_code(one: Path, other: Path) -> bool:
    """True when the two files hold the same code (a notebook and its jupytext pair after a save)."""
    a, b = code_lines(one), code_lines(other)
    return a is not None and a == b


def left_out(path: Path) -> list[tuple[int, int, str]]:
    """What checking the notebook at `path` leaves out, as (cell, line, text)."""
    data = read_capped(path)
    if data is None or not is_notebook(path):
        return []
    try:
        return to_python(data).left_out
    except NotebookError:
        return []


def left_out_note(path: Path, label: str | None = None) -> str | None:
    """One line for the learner: which magics and shell escapes the check left out."""
    found = left_out(path)
    if not found:
        return None
    shown = ", ".join(f"cell {cell} line {line} `{text[:40]}`" for cell, line, text in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return (f"note: {label or path.name}: {shown}{more} left out of the check "
            "(IPython magics and shell escapes run only in Jupyter).")
