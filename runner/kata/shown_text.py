"""Text a student wrote, made safe to show on a grader's terminal.

Under `kata grade` a submission's name, its integrity notices, its error messages and its prints
are the student's to choose. Printed as they are, terminal escape codes in them could move the
cursor and rewrite the table (a ⚑ erased, 4/9 drawn over as 9/9), and a carriage return or a
bidirectional override could hide what follows. Every such character is shown as its escape
instead (`\\x1b`, `\\u202e`), so what the grader reads is what the student sent.
"""

from __future__ import annotations

_KEPT = {"\n", "\t"}


def shown(text: str, *, newlines: bool = True) -> str:
    """`text` with every character Python calls unprintable (controls, bidi marks, separators but the
    space) escaped, newline and tab kept; with `newlines=False` those are escaped too (a one-line cell)."""
    if text.isprintable():  # the common case, at C speed
        return text
    kept = _KEPT if newlines else set()
    return "".join(c if c in kept or c.isprintable() else _escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"

