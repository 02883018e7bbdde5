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

from kata.notebook import describe_location, is_notebook, joined_source, location

MAX_MESSAGE = 4000
MAX_PICTURE = 8000  # a picture's data, beside the message: 2 grids of 32 × 32 and their marks fit


def syntax_error_message(exc: SyntaxError) -> str:
    """`file:line:col`, the offending line and a caret under the column."""
    where = describe_location(exc.filename or "", exc.lineno, exc.offset)
    lines = [f"{where}: {type(exc).__name__}: {exc.msg}"]
    text = exc.text if exc.text is not None else linecache.getline(exc.filename or "", exc.lineno or 0)
    if location(exc.filename or "", exc.lineno):  # a notebook: Python read the line from its JSON
        text = linecache.getline(exc.filename or "", exc.lineno or 0) or text
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
    if learner_file is not None and not any(_real(f.filename) == _real(learner_file) for f in frames):
        pointer = learner_definition(exc.__traceback__, keep_files, learner_file)
        if pointer and str(learner_file) not in text:  # a check's message may already point there
            shown = f"{shown}\n{pointer}" if shown else pointer
    return with_picture(_cap(f"{shown}\n{text}" if shown else text), exc if not explanation else None)


def with_picture(message: str, exc: BaseException | None) -> str:
    """`message`, followed by the picture of the comparison that failed (`kata.expect` sets one on
    its `ExpectationFailed`), after `kata.contract.PICTURE_MARK`: the step's event carries it to the
    CLI, whose StepResult keeps it apart from the message. Outside the message's own cap."""
    if exc is None or type(exc).__module__ != "kata.expect":  # a picture only from kata.expect's own failures
        return message
    picture = getattr(exc, "picture", None)
    if not isinstance(picture, str) or not picture or len(picture) > MAX_PICTURE:
        return message
    from kata.contract import PICTURE_MARK

    return f"{message}\n{PICTURE_MARK}{picture}"


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
        lines.append(f"{describe_location(frame.filename, frame.lineno)} in {frame.name}")
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


def learner_definition(tb, keep_files: list[Path], learner_file: Path) -> str | None:
    """`path:line: your function NAME`, for a failure raised by the check itself (a wrong value
    came back, no error): the traceback never entered the learner's file, so this points at the
    part of it the failing check was about.

    That part is the first of the exercise's tasks (what the stub leaves as a TODO: functions that
    raise NotImplementedError, names set to None) named by the failing check, reading the check's
    frames from the innermost out and following the check module's own helpers. Without a stub
    beside the checks, any function of the learner's file counts. None when nothing fits.
    """
    try:
        return _learner_definition(tb, keep_files, learner_file)
    except Exception:  # a pointer is a courtesy: it must never break the verdict
        return None


def _learner_definition(tb, keep_files: list[Path], learner_file: Path) -> str | None:
    learner = _real(learner_file)
    checks = [p for p in keep_files if p and _real(p) != learner]
    if not checks:
        return None
    defined = _definitions(learner, _mtime(learner))
    if not defined:
        return None
    stub = Path(checks[0]).resolve().parent.parent / "exercises" / Path(checks[0]).name.removeprefix("test_")
    tasks = _tasks(str(stub), _mtime(str(stub))) if stub.is_file() else None
    check_files = {_real(p) for p in checks}
    frames = []
    while tb is not None:
        if _real(tb.tb_frame.f_code.co_filename) in check_files:
            frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):  # the innermost check frame is closest to the failure
        for name in _names_used(frame, set()):
            for qualname, (lineno, kind) in defined.items():
                if name not in (qualname, qualname.split(".")[0], qualname.split(".")[-1]):
                    continue
                if tasks is not None and qualname not in tasks and not any(t.startswith(qualname + ".") for t in tasks):
                    continue
                if kind == "class" and tasks is not None:  # point at the method the stub left to do
                    method = next((t for t in tasks if t.startswith(qualname + ".") and t in defined), None)
                    if method is not None:
                        qualname, (lineno, kind) = method, defined[method]
                return _pointer(learner_file, lineno, qualname, kind)
    if tasks is not None and len(tasks) == 1 and next(iter(tasks)) in defined:
        only = next(iter(tasks))
        lineno, kind = defined[only]
        return _pointer(learner_file, lineno, only, kind)
    return None


def _pointer(learner_file: Path, lineno: int, name: str, kind: str) -> str:
    what = f"where your file sets {name}" if kind == "name" else f"your {'class' if kind == 'class' else 'function'} {name}"
    return f"{describe_location(str(learner_file), lineno)}: {what}"


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _text_of(path: str) -> str:
    """A file's text; for a notebook, the module its code cells were joined into (kata.notebook)."""
    joined = joined_source(path) if is_notebook(path) else None
    return joined if joined is not None else Path(path).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=32)
def _parsed(path: str, mtime: int):
    import ast

    try:
        return ast.parse(_text_of(path), filename=path)
    except (OSError, ValueError, SyntaxError, RecursionError, MemoryError):
        return None


@functools.lru_cache(maxsize=32)
def _definitions(path: str, mtime: int) -> dict[str, tuple[int, str]]:
    """qualname -> (line, kind) for the top-level functions, classes, their methods and names of a file."""
    import ast

    tree = _parsed(path, mtime)
    found: dict[str, tuple[int, str]] = {}
    if tree is None:
        return found
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = (node.lineno, "function")
        elif isinstance(node, ast.ClassDef):
            found[node.name] = (node.lineno, "class")
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{item.name}"] = (item.lineno, "function")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = (node.lineno, "name")
    return found


@functools.lru_cache(maxsize=32)
def _tasks(path: str, mtime: int) -> frozenset[str] | None:
    """What a stub leaves to the learner: functions (and methods) that raise NotImplementedError,
    and top-level names set to None on a line marked TODO."""
    import ast

    tree = _parsed(path, mtime)
    if tree is None:
        return None
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    tasks = set()

    def raises_todo(node) -> bool:
        return any(isinstance(n, ast.Raise) and n.exc is not None and "NotImplementedError" in ast.dump(n.exc)
                   for n in ast.walk(node))

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and raises_todo(node):
            tasks.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and raises_todo(item):
                    tasks.add(f"{node.name}.{item.name}")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is None \
                and "TODO" in lines[node.lineno - 1]:
            tasks.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(tasks)


def _names_used(frame, seen: set) -> list[str]:
    """The attribute names, strings and module-level string constants a check function uses, in
    source order, then those of the check module's helpers it calls."""
    import ast

    code = frame.f_code if hasattr(frame, "f_code") else frame.__code__
    globals_ = frame.f_globals if hasattr(frame, "f_globals") else frame.__globals__
    if code in seen or len(seen) > 8:
        return []
    seen.add(code)
    path = code.co_filename
    tree = _parsed(path, _mtime(path))
    if tree is None:
        return []
    node = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and min([n.lineno] + [d.lineno for d in n.decorator_list]) == code.co_firstlineno), None)
    if node is None:
        return []
    names: list[str] = []
    helpers = []
    for sub in sorted((n for n in ast.walk(node) if hasattr(n, "lineno")), key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(sub, ast.Attribute):
            names.append(sub.attr)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.isidentifier():
            names.append(sub.value)
        elif isinstance(sub, ast.Name):
            value = globals_.get(sub.id)
            if isinstance(value, str) and value.isidentifier():
                names.append(value)
            elif callable(value) and getattr(getattr(value, "__code__", None), "co_filename", None) == path:
                helpers.append(value)
    for helper in helpers:
        names += _names_used(helper, seen)
    return names


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
        cell = location(frame.f_code.co_filename, lineno)
        yours = f"On line {cell[1]} of your cell {cell[0]}, " if cell else f"On your line {lineno}, "
        lines.append(yours + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "")
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
