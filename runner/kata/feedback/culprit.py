"""Which of the learner's functions holds the mistake, found by what differs from the course's solution.

Why not the nearest frame: when a check gets a wrong value back, no learner frame is on the
traceback, and the function the check called is often not the one that is wrong (a `__pow__` bug
seen through `__mul__`, a `mean` built on a wrong `sum`, every `step()` bug blamed on
`SGD.__init__`). The course's solution knows better: a function whose code is the solution's
(comments, docstrings and layout aside) cannot hold the mistake on its own. So the candidates are
the learner's functions and methods that differ from the solution's (`differing`); with one, it is
the answer, with no run at all. With several, a run of the failing step can tell (`search.py`,
local mode only: it swaps the solution's code into the learner's module); without one, the caller
narrows its old guess to the candidates. Works wherever the solution is readable: `kata check` of a
course that ships its solutions, `kata verify`, and the trusted side of `kata grade` (nothing of
the solution enters the learner's process here). Never raises; cached by file and mtime.
"""

from __future__ import annotations

import ast
import functools
import os
from pathlib import Path

from kata.learner_source import learner_source


def reference_for(checks_file: Path) -> Path | None:
    """The course's solution beside `checks/test_NN_name.py` (solutions/NN_name.py), if it ships one."""
    path = Path(checks_file).resolve().parent.parent / "solutions" / Path(checks_file).name.removeprefix("test_")
    return path if path.is_file() else None


def differing(learner_file: Path, reference: Path) -> list[str] | None:
    """The learner's top-level functions and methods (qualnames, in file order) whose code differs from
    the reference's, or that the reference lacks; None when either file cannot be read or parsed, or
    when the learner's file is the reference itself."""
    try:
        if os.path.realpath(learner_file) == os.path.realpath(reference):
            return None
        mine = (str(learner_file), _mtime(learner_file))
        theirs = (str(reference), _mtime(reference))
        my_texts, their_texts = _texts(*mine), _texts(*theirs)
        if my_texts is None or their_texts is None:
            return None
        # The same text is the same code; only a definition whose text differs (a comment, its layout,
        # or its code) is compared as `ast.dump` writes it, the costly part (~20 ms for a 400-line file).
        return [name for name, text in my_texts.items() if name not in their_texts or
                (text != their_texts[name] and _shape_of(*mine, name) != _shape_of(*theirs, name))]
    except Exception:  # a courtesy: never breaks the verdict
        return None


def prepare(checks_file: Path) -> None:
    """Read and parse the course's solution beside `checks_file` ahead of a run (the standby child
    calls this after collecting): a failing run then compares with it at no cost. Never raises."""
    try:
        reference = reference_for(checks_file)
        if reference is not None:
            _texts(str(reference), _mtime(reference))
    except Exception:
        pass


def enclosing_definition(learner_file: Path, lineno: int) -> str | None:
    """The top-level function or method (qualname) holding line `lineno` of the learner's file."""
    spans = _spans(str(learner_file), _mtime(learner_file))
    inside = [(lo, name) for name, (lo, hi) in (spans or {}).items() if lo <= lineno <= hi]
    return max(inside)[1] if inside else None


def _mtime(path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


@functools.lru_cache(maxsize=16)
def parsed(path: str, mtime: int) -> ast.Module | None:
    """The file's source as the checks see it, parsed; once per file and modification time (pointer.py too)."""
    text = learner_source(path)
    if text is None:
        return None
    try:
        return ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _defs(tree: ast.Module):
    """(qualname, node) of the top-level functions and the methods of top-level classes."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{item.name}", item


@functools.lru_cache(maxsize=16)
def _texts(path: str, mtime: int) -> dict[str, str] | None:
    """qualname -> the definition's text (its lines, decorators included)."""
    tree, spans, text = parsed(path, mtime), _spans(path, mtime), learner_source(path)
    if tree is None or spans is None or text is None:
        return None
    lines = text.splitlines()
    return {name: "\n".join(lines[lo - 1:hi]) for name, (lo, hi) in spans.items()}


@functools.lru_cache(maxsize=256)
def _shape_of(path: str, mtime: int, name: str) -> str | None:
    """The definition `name`'s code as `ast.dump` writes it, without docstrings or line numbers."""
    tree = parsed(path, mtime)
    node = dict(_defs(tree)).get(name) if tree is not None else None
    return _shape(node) if node is not None else None


@functools.lru_cache(maxsize=16)
def _spans(path: str, mtime: int) -> dict[str, tuple[int, int]] | None:
    tree = parsed(path, mtime)
    if tree is None:
        return None
    return {name: (min([n.lineno] + [d.lineno for d in n.decorator_list]), n.end_lineno or n.lineno)
            for name, n in _defs(tree)}


def _shape(node: ast.AST) -> str:
    """`ast.dump` of `node` without its docstrings (taken out for the dump, put back after)."""
    taken = []
    for sub in ast.walk(node):
        body = getattr(sub, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            taken.append((sub, body))
            sub.body = body[1:]  # type: ignore[attr-defined]
    try:
        return ast.dump(node, include_attributes=False)
    finally:
        for sub, body in taken:
            sub.body = body  # type: ignore[attr-defined]
