"""The shapes that met on the learner's line, when torch, numpy or einops raise a shape or type error.

`explain_operands` lists the tensors (for a TypeError, the other values too) named on the line
of the learner's code that raised, with their shapes and dtypes, and explains the common errors
in a sentence: a matrix product that does not fit, sizes that do not broadcast, a dimension that
does not exist (autograd's own errors: `graph_errors.py`, wherever they were raised).
"""

from __future__ import annotations

import linecache
import re
from pathlib import Path
from typing import Any

from kata.feedback.frames import deepest_learner_frame, real_path
from kata.notebook.lines import location

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
    frame, lineno = deepest_learner_frame(exc.__traceback__, real_path(learner_file))
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
        dtype = str(value.dtype).removeprefix("torch.")
        kind = "" if type(value).__module__.startswith("torch") else "NumPy "
        if len(shape) > 1:
            dims = f"a {kind}array " if kind else ""
            return f"{dims}{' × '.join(map(str, shape))} ({dtype})"
        if not shape:
            return f"a 0-dim {'NumPy array' if kind else 'tensor'} ({dtype})"
        return f"a {kind}vector of {shape[0]} ({dtype})"
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
    if "Dimension out of range" in message:
        return "A `dim` argument names a dimension the tensor does not have."
    return None
