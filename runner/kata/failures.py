"""Turns an exception from a check into what a learner needs: their frames, file:line, the message.

Runs inside the check child. Frames from pytest, kata, torch and the standard
library are dropped: only the learner's file and the check module stay, each as
`path:line` so terminals make it clickable.
"""

from __future__ import annotations

import linecache
import traceback
from pathlib import Path

MAX_MESSAGE = 4000


def syntax_error_message(exc: SyntaxError) -> str:
    """`file:line:col`, the offending line and a caret under the column."""
    where = f"{exc.filename}:{exc.lineno}" + (f":{exc.offset}" if exc.offset else "")
    lines = [f"{where}: {type(exc).__name__}: {exc.msg}"]
    text = exc.text if exc.text is not None else linecache.getline(exc.filename or "", exc.lineno or 0)
    if text:
        stripped = text.rstrip("\n")
        indent = len(stripped) - len(stripped.lstrip())
        lines.append("    " + stripped.strip())
        if exc.offset:
            end = getattr(exc, "end_offset", None) or exc.offset + 1
            if getattr(exc, "end_lineno", exc.lineno) != exc.lineno or end <= exc.offset:
                end = exc.offset + 1
            lines.append("    " + " " * max(exc.offset - 1 - indent, 0) + "^" * max(end - exc.offset, 1))
    return "\n".join(lines)


def learner_frames(tb, keep: set[str]) -> list[traceback.FrameSummary]:
    """The frames of `tb` whose file is one of `keep` (resolved paths)."""
    frames = []
    for frame in traceback.extract_tb(tb):
        try:
            resolved = str(Path(frame.filename).resolve())
        except (OSError, ValueError):
            continue
        if resolved in keep:
            frames.append(frame)
    return frames


def describe_exception(exc: BaseException, keep_files: list[Path], explanation: str | None = None) -> str:
    """A short, learner-facing account of `exc`: their frames, then the error itself."""
    if isinstance(exc, SyntaxError):
        return _cap(syntax_error_message(exc))
    frames = format_frames(exc.__traceback__, keep_files)
    text = explanation if explanation else _exception_line(exc)
    return _cap(f"{frames}\n{text}" if frames else text)


def format_frames(tb, keep_files: list[Path]) -> str:
    """The learner's frames of `tb`, each as a clickable `path:line in function` plus its code."""
    keep = {str(Path(p).resolve()) for p in keep_files if p}
    lines = []
    frames = learner_frames(tb, keep)
    if len(frames) > 8:  # deep recursion: the first frames and the last say enough
        frames = frames[:3] + [None] + frames[-3:]
    for frame in frames:
        if frame is None:
            lines.append("    … the same frames repeat …")
            continue
        lines.append(f"{frame.filename}:{frame.lineno} in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    return "\n".join(lines)


def tidy_assertion(text: str) -> str:
    """Drop pytest's `where <function …> = <module 'kata_target_…'>` lines: noise to a learner."""
    kept = [line for line in text.splitlines()
            if not (line.lstrip().startswith("+") and ("<function " in line or "<module " in line))]
    return "\n".join(kept)


def _exception_line(exc: BaseException) -> str:
    text = str(exc)
    name = type(exc).__name__
    if isinstance(exc, NotImplementedError):
        return f"NotImplementedError: {text or 'this part is still a TODO'}"
    if isinstance(exc, RecursionError):
        return "RecursionError: your code called itself without end (maximum recursion depth exceeded)."
    if isinstance(exc, MemoryError):
        return "MemoryError: your code tried to use more memory than kata allows for a check."
    if isinstance(exc, AssertionError):
        return tidy_assertion(text) or "AssertionError"
    return f"{name}: {text}" if text else name


def _cap(text: str) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    return text[:MAX_MESSAGE] + f"\n… ({len(text) - MAX_MESSAGE} more characters cut)"
