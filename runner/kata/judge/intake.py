"""What a grader accepts as a submission's file, decided before anything reads it as code.

A submission is untrusted down to its file system entries: a "file" may be a
symlink to `/etc/shadow` or to a classmate's work, a FIFO that blocks every
reader, or 50 MB meant to exhaust the grader. Each such entry is refused with
a row message; nothing of its content is ever read or shown.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 1024 * 1024  # far above any exercise; the whole first course's solutions are ~60 KB


class Refused(Exception):
    """A submission entry that will not be graded; the message says why and what to do."""


def check_entry(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> None:
    """Raise Refused unless `path` is a plain file inside `root`, reached without symlinks, of sane size."""
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
        raise Refused(f"{path.name} is {info.st_size // 1024} KiB, over the {max_bytes // 1024} KiB a graded file may "
                      "hold; it was not graded.")


def read_source(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text, read without following a symlink and without reading past the cap."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Refused(f"{path.name} cannot be opened as a plain file ({exc.strerror}).") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(f"{path.name} is not a plain file.")
        data = os.read(fd, max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise Refused(f"{path.name} is over the {max_bytes // 1024} KiB a graded file may hold.")
    return data.decode("utf-8", "replace")
