"""The learner's stdin in the sandbox, as a `kata check` child gives it (pytest's captured stdin).

Every read is refused with pytest's very error, so `input()` or `sys.stdin.read()` gets the same
verdict on every route (kata.feedback.failures tells it in kata's words).
"""

from __future__ import annotations

import io


class NoInput:
    """The learner's stdin, as a `kata check` child gives it: pytest's captured stdin, which refuses
    every read with this very error (so `input()` gets the same verdict on every route)."""

    encoding = "utf-8"
    closed = False

    def read(self, size: int | None = -1) -> str:
        raise OSError("pytest: reading from stdin while output is captured!  Consider using `-s`.")

    readline = read

    def readlines(self, hint: int | None = -1) -> list[str]:
        return [self.read()]

    def __iter__(self) -> "NoInput":
        return self

    def __next__(self) -> str:
        return self.read()

    def fileno(self) -> int:
        raise io.UnsupportedOperation("redirected stdin is pseudofile, has no fileno()")

    def isatty(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        pass
