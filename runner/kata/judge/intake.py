"""What a grader accepts as a submission's file, decided before anything reads it as code.

A submission is untrusted down to its file system entries: a "file" may be a
symlink to `/etc/shadow` or to a classmate's work, a FIFO that blocks every
reader, or 50 MB meant to exhaust the grader. Each such entry is refused with
a row message; nothing of its content is ever read or shown.

The size that counts is the code's: a notebook whose plots make it 20 MB may hold 3 KB of code,
so a notebook's file may be up to MAX_NOTEBOOK_BYTES and its joined code cells (what the checks
and the sandbox see, `kata.learner_source`) up to MAX_FILE_BYTES, like a `.py` file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kata.learner_source import MAX_RAW_BYTES, Unreadable, read_raw, size_text, source_text
from kata.notebook.lines import is_notebook

MAX_FILE_BYTES = 1024 * 1024  # the code a graded file may hold: the whole first course's solutions are ~60 KB
MAX_NOTEBOOK_BYTES = MAX_RAW_BYTES  # a graded notebook's file, outputs included; its code cells count above


class Refused(Exception):
    """A submission entry that will not be graded; the message says why and what to do."""


def file_cap(path: Path) -> int:
    """The most bytes the file at `path` may hold: a notebook's outputs are not code."""
    return MAX_NOTEBOOK_BYTES if is_notebook(path) else MAX_FILE_BYTES


def check_entry(path: Path, root: Path, max_bytes: int | None = None) -> None:
    """Raise Refused unless `path` is a plain file inside `root`, reached without symlinks, of sane size."""
    max_bytes = file_cap(path) if max_bytes is None else max_bytes
    root = Path(os.path.abspath(root))
    path = Path(os.path.abspath(path))
    if path != root and root not in path.parents:
        raise Refused(f"{path.name} is outside the submission folder; it was not graded.")
    current = path
    while True:  # no symlink anywhere between the submission root and the file
        try:
            info = os.lstat(current)
        except OSError as exc:
            raise Refused(f"{path.name} cannot be read ({exc.strerror}); it was not graded.") from None
        if stat.S_ISLNK(info.st_mode):
            raise Refused(f"{path.name} is a symbolic link ({current.name} points elsewhere); a graded file must be "
                          "a plain file in the submission. Submit the file itself.")
        if current == root:
            break
        current = current.parent
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{path.name} is not a plain file; it was not graded.")
    if info.st_size > max_bytes:
        raise Refused(f"{path.name} is {size_text(info.st_size)}, over the {size_text(max_bytes)} a graded "
                      f"{'notebook' if is_notebook(path) else 'file'} may hold; it was not graded.")


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes as they are (a source in latin-1 with its coding line stays one), read without
    following a symlink or reading past the cap."""
    try:
        return read_raw(path, file_cap(path) if max_bytes is None else max_bytes, follow=False)
    except Unreadable as exc:
        raise Refused(f"{exc} It was not graded.") from None


def read_source(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The learner's source as the checks see it (`kata.learner_source`: a notebook's code cells
    joined), read without following a symlink; refused when its code is over `max_bytes` (or the
    notebook's file over MAX_NOTEBOOK_BYTES). A notebook kata cannot read raises NotebookError."""
    try:
        data = read_raw(path, MAX_NOTEBOOK_BYTES if is_notebook(path) else max_bytes, follow=False)
    except Unreadable as exc:
        raise Refused(str(exc)) from None
    source = source_text(path, data)
    size = len(source.encode("utf-8", "replace"))
    if size > max_bytes:
        raise Refused(f"{path.name} holds {size_text(size)} of code, over the {size_text(max_bytes)} a graded file "
                      "may hold.")
    return source
