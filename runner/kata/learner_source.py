"""The learner's source as the checks see it: one definition, for every reader of it.

Some checks read the learner's code, not only its values: a number typed in by hand where PyTorch
should compute it, a softmax that leaves its `dim` to chance (`kata.feedback.source`). They must
read the module the learner's code runs as. For a `.py` that is the file's text. For an `.ipynb`
it is its code cells joined as `kata.notebook.convert` joins them for the checked module (magics
left out, outputs and markdown dropped): read as a file, a notebook is JSON, in which such a check
finds nothing and passes, so the same code failed as a `.py` and passed as a notebook.

So the check child (`kata.plugin.target`, for a notebook), the judge (`kata.judge.intake`, which
sends this text to the sandbox) and every source-reading helper of the checks read through here,
and a line number a check reports is a line of the module that ran (told as "cell N, line M").
"""

from __future__ import annotations

import functools
import importlib.util
import os
import stat
from pathlib import Path

from kata.notebook.convert import NotebookError, to_python
from kata.notebook.lines import cell_line, is_notebook

MAX_RAW_BYTES = 64 * 1024 * 1024  # what is read of a learner's file at most: a notebook's outputs (plots) count here


class Unreadable(Exception):
    """The learner's file cannot be read as source; the message says why."""


def read_raw(path: str | os.PathLike, cap: int = MAX_RAW_BYTES, follow: bool = True) -> bytes:
    """A plain file's bytes, never blocking on a FIFO and never reading past `cap`. Raises Unreadable."""
    name = Path(path).name
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Unreadable(f"{name} cannot be opened as a plain file ({exc.strerror}).") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Unreadable(f"{name} is not a plain file.")
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(cap + 1 - size, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise Unreadable(f"{name} cannot be read ({exc.strerror}).") from None
    finally:
        os.close(fd)
    if size > cap:
        raise Unreadable(f"{name} is over the {size_text(cap)} kata reads of a learner's file.")
    return b"".join(chunks)


def size_text(count: int) -> str:
    """A size in bytes for a message: KiB, or MiB from 4 MiB up."""
    return f"{count // (1024 * 1024)} MiB" if count >= 4 * 1024 * 1024 else f"{count // 1024} KiB"


def source_text(path: str | os.PathLike, data: bytes) -> str:
    """The module `data` (the bytes of the file at `path`) runs as: a notebook's code cells joined
    (raises NotebookError), else the text as Python decodes a source file (its coding line, a BOM),
    or as UTF-8 with the undecodable bytes replaced."""
    if is_notebook(path):
        return to_python(data).source
    try:
        return importlib.util.decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", "replace")


def read_source(path: str | os.PathLike, cap: int = MAX_RAW_BYTES, follow: bool = True) -> str:
    """The learner's source at `path` as the checks see it. Raises Unreadable or NotebookError."""
    return source_text(path, read_raw(path, cap, follow))


def learner_source(path: str | os.PathLike) -> str | None:
    """`read_source`, for helpers that read the file again within a run: None when it cannot be read
    or is not a notebook kata can read. Kept while the file's size and modification time stay."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return _cached(os.fspath(path), info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> str | None:
    try:
        return read_source(path)
    except (Unreadable, NotebookError, MemoryError, RecursionError):
        return None


def describe(path: str | os.PathLike, lineno: int, source: str | None = None) -> str:
    """`path:line`; for a notebook `path, cell N, line M`, read from its joined source."""
    name = os.fspath(path)
    if is_notebook(name):
        text = source if source is not None else learner_source(name)
        where = cell_line(text.splitlines(), lineno) if text is not None else None
        if where is not None:
            return f"{name}, cell {where[0]}, line {where[1]}"
    return f"{name}:{lineno}"
