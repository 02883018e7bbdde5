"""Turns an exception from a check into what a learner needs: their frames, file:line, the message.

Runs inside the check child. Frames from pytest, kata, torch and the standard
library are dropped: only the learner's file and the check module stay, each as
`path:line` so terminals make it clickable. Of the check module's own helpers
only the step's line is kept: the learner needs their frames, not ours.

When torch raises a shape error or a TypeError inside the learner's function,
the tensors named on the learner's line are listed with their shapes, and a
matrix product that does not fit is explained.
"""

from __future__ import annotations

import functools
import linecache
import os
import re
import traceback
from pathlib import Path
from typing import Any

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


@functools.lru_cache(maxsize=1024)
def _real(path) -> str:
    """A file's resolved path, cached: tracebacks through torch repeat the same files many times."""
    try:
        return os.path.realpath(os.fspath(path))
    except (OSError, ValueError, TypeError):
        return str(path)


def learner_frames(tb, keep: set[str]) -> list[traceback.FrameSummary]:
    """The frames of `tb` whose file is one of `keep` (resolved paths)."""
    frames = []
    for frame in traceback.extract_tb(tb):
        try:
            resolved = _real(frame.filename)
        except (OSError, ValueError):
            continue
        if resolved in keep:
            frames.append(frame)
    return frames


def describe_exception(exc: BaseException, keep_files: list[Path], explanation: str | None = None,
                       learner_file: Path | None = None) -> str:
    """A short, learner-facing account of `exc`: their frames, then the error itself.

    With `learner_file`, frames of the other kept files (the check module)
    shrink to the first of each run, and a tensor error raised on one of the
    learner's lines names the shapes that met there. When a check caught the
    learner's error and failed with its own explanation, the learner's frames
    of the caught error are shown too.
    """
    if isinstance(exc, SyntaxError):
        return _cap(syntax_error_message(exc))
    keep = {_real(p) for p in keep_files if p}
    frames = learner_frames(exc.__traceback__, keep)
    caught = _caught_learner_error(exc, learner_file)
    if caught is not None:
        learner = _real(learner_file)
        frames += [f for f in learner_frames(caught.__traceback__, keep) if _real(f.filename) == learner]
    text = explanation if explanation else _exception_line(exc)
    if learner_file is not None and not explanation:
        operands = explain_operands(caught or exc, learner_file)
        if operands:
            text = f"{text}\n{operands}"
    shown = _format(frames, learner_file)
    return _cap(f"{shown}\n{text}" if shown else text)


def _caught_learner_error(exc: BaseException, learner_file: Path | None) -> BaseException | None:
    """The learner's exception that a check caught and turned into its own failure (`fail` in `except`)."""
    if learner_file is None or not isinstance(exc, AssertionError):
        return None
    inner = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if inner is None or isinstance(inner, AssertionError) or inner.__traceback__ is None:
        return None
    frame, _ = _deepest_learner_frame(inner.__traceback__, _real(learner_file))
    return inner if frame is not None else None


def format_frames(tb, keep_files: list[Path], learner_file: Path | None = None) -> str:
    """The learner's frames of `tb`, each as a clickable `path:line in function` plus its code."""
    keep = {_real(p) for p in keep_files if p}
    return _format(learner_frames(tb, keep), learner_file)


def _format(frames: list[traceback.FrameSummary], learner_file: Path | None) -> str:
    """Each frame as `path:line in function` and its code; a check frame followed by the learner's shows no code."""
    learner = _real(learner_file) if learner_file is not None else None
    if learner is not None:
        frames = _first_of_each_check_run(frames, learner)
    if len(frames) > 8:  # deep recursion: the first frames and the last say enough
        frames = frames[:3] + [None] + frames[-3:]
    lines = []
    for i, frame in enumerate(frames):
        if frame is None:
            lines.append("    … the same frames repeat …")
            continue
        lines.append(f"{frame.filename}:{frame.lineno} in {frame.name}")
        calls_learner = (learner is not None and _real(frame.filename) != learner
                         and any(f is not None and _real(f.filename) == learner for f in frames[i + 1:]))
        if frame.line and not calls_learner:
            lines.append(f"    {frame.line.strip()}")
    return "\n".join(lines)


def _first_of_each_check_run(frames: list[traceback.FrameSummary], learner: str) -> list[traceback.FrameSummary]:
    """Keep every learner frame, and only the first of each run of the check module's frames (the step's line)."""
    kept: list[traceback.FrameSummary] = []
    previous_was_check = False
    for frame in frames:
        is_learner = _real(frame.filename) == learner
        if is_learner or not previous_was_check:
            kept.append(frame)
        previous_was_check = not is_learner
    return kept


# Errors torch, numpy and einops raise when shapes or types don't fit.
_TENSOR_ERRORS = (RuntimeError, TypeError, ValueError, IndexError)
_SHAPE_WORDS = re.compile(r"shape|size|dimension|mat1|mat2|broadcast|einsum|rearrange|expected .* tensor", re.I)
_MATMUL = re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)")
_SIZE_MATCH = re.compile(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) "
                         r"at non-singleton dimension (\d+)")
_CHAIN = re.compile(r"(?<![\w.'\"])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
MAX_OPERANDS = 4


def explain_operands(exc: BaseException, learner_file: Path) -> str | None:
    """For a shape or type error raised inside the learner's code: their line, and the shapes that met there."""
    if isinstance(exc, NotImplementedError) or not (
            isinstance(exc, _TENSOR_ERRORS) or type(exc).__module__.startswith("einops")):
        return None
    frame, lineno = _deepest_learner_frame(exc.__traceback__, _real(learner_file))
    if frame is None:
        return None
    code = linecache.getline(frame.f_code.co_filename, lineno).strip()
    is_type_error = isinstance(exc, TypeError)
    described = _operands(code, frame, include_plain=is_type_error)
    has_tensor = any(is_tensor for _, _, is_tensor in described)
    lines = []
    if described and (is_type_error or (has_tensor and _SHAPE_WORDS.search(str(exc)))):
        parts = [f"{name} is {text}" for name, text, _ in described[:MAX_OPERANDS]]
        lines.append(f"On your line {lineno}, " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "")
                     + parts[-1] + ".")
    advice = _advice(str(exc))
    if advice:
        lines.append(advice)
    return "\n".join(lines) or None


def _deepest_learner_frame(tb, learner: str):
    found, lineno = None, 0
    while tb is not None:
        if _real(tb.tb_frame.f_code.co_filename) == learner:
            found, lineno = tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    return found, lineno


def _operands(code: str, frame, include_plain: bool) -> list[tuple[str, str, bool]]:
    """(name, description, is_tensor) for the tensors (and, for a TypeError, other values) named in `code`."""
    described: list[tuple[str, str, bool]] = []
    seen: set[str] = set()
    for chain in _CHAIN.findall(_strip_strings(code)):
        parts = chain.split(".")
        for end in range(len(parts), 0, -1):  # the longest prefix that names a value worth showing
            name = ".".join(parts[:end])
            found, value = _lookup(parts[:end], frame)
            if not found or callable(value) and not _is_array(value):
                continue
            text = _describe_value(value, include_plain)
            if text is not None and name not in seen:
                seen.add(name)
                described.append((name, text, _is_array(value)))
            break
    return described


def _strip_strings(code: str) -> str:
    return re.sub(r"(\"[^\"]*\"|'[^']*')", '""', code)


def _lookup(parts: list[str], frame) -> tuple[bool, Any]:
    root = parts[0]
    if root in frame.f_locals:
        value = frame.f_locals[root]
    elif root in frame.f_globals:
        value = frame.f_globals[root]
    else:
        return False, None
    if type(value).__name__ == "module" and len(parts) == 1:
        return False, None
    for attr in parts[1:]:
        try:
            value = getattr(value, attr)
        except Exception:  # a property of the learner's may raise anything
            return False, None
    return True, value


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, type)


def _describe_value(value: Any, include_plain: bool) -> str | None:
    if _is_array(value):
        shape = tuple(value.shape)
        dims = " × ".join(map(str, shape)) if len(shape) > 1 else (f"a vector of {shape[0]}" if shape else "0-dim")
        dtype = str(value.dtype).removeprefix("torch.")
        prefix = "" if type(value).__module__.startswith("torch") else "a NumPy array "
        return f"{prefix}{dims} ({dtype})"
    if not include_plain:
        return None
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, (int, float, str, bool)):
        return f"a {type(value).__name__} ({value!r:.20})"
    return None


def _advice(message: str) -> str | None:
    matmul = _MATMUL.search(message)
    if matmul:
        rows_a, cols_a, rows_b, cols_b = matmul.groups()
        return (f"In a @ b the last size of a must equal the first size of b, but here they are {cols_a} and "
                f"{rows_b}. Is one matrix the wrong way round (transpose it with .T), or are the two swapped?")
    size = _SIZE_MATCH.search(message)
    if size:
        a, b, dim = size.groups()
        return (f"Element-wise operations need equal sizes (or 1) in each dimension, but dimension {dim} has "
                f"{a} on one side and {b} on the other.")
    if "modified by an inplace operation" in message:
        return ("A tensor that backward() needs was changed in place after the loss was computed (by an optimizer "
                "step, `x -= ...`, or a method ending in `_`): call backward() before changing it.")
    if "Dimension out of range" in message:
        return "A `dim` argument names a dimension the tensor does not have."
    return None


def tidy_assertion(text: str) -> str:
    """Drop pytest's `where <function …> = <module 'kata_target_…'>` lines, blank lines and `Use -v`: noise to a learner."""
    lines = text.splitlines()
    # `assert cond, "message"`: pytest appends its introspection ("assert False", "+  where …") after
    # the author's message, which already says what is wrong. Keep the message alone.
    first_assert = next((i for i, line in enumerate(lines) if line.startswith("assert ")), None)
    if first_assert:
        lines = lines[:first_assert]
    kept = [line for line in lines
            if not (line.lstrip().startswith("+") and ("<function " in line or "<module " in line))
            and line.strip() and "Use -v to get more diff" not in line]
    return "\n".join(kept)


def _exception_line(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # a learner's exception class whose __str__ raises
        text = "(its message could not be shown)"
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
