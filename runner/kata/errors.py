"""The one error type the CLI turns into a clean message and exit code 2.

Every `KataError` carries what went wrong and what to do next, so no user ever
sees a traceback from kata's own code.
"""

from __future__ import annotations


class KataError(Exception):
    """Bad usage or bad input: the message says what is wrong, `fix` what to do."""

    exit_code = 2

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n{self.fix}" if self.fix else self.message
