"""Where a failure points in the learner's file when the traceback never entered it.

A check that got a wrong value back fails in its own code; `learner_definition` names the part
of the learner's file that holds the mistake (`path:line: your function NAME`). First by what
differs from the course's solution (`culprit`: the one function that differs, or, locally, the one
a re-run of the step singles out, `search`), because the function a check calls is often not the
one that is wrong. Without a solution, or when that cannot tell, the old guess: the first of the
exercise's tasks (what the stub leaves as a TODO, or the functions that differ from the solution)
that the failing check's code names. `culprit_pointer` is the first half alone, for a failure
raised in the learner's code whose deepest frame is not the mistake. Read with `ast`, cached by
file and modification time; never raises.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from kata.feedback.culprit import differing, parsed, reference_for
from kata.feedback.frames import real_path
from kata.learner_source import describe


def culprit_pointer(keep_files: list[Path], learner_file: Path, rerun=None,
                    unless: str | None = None) -> str | None:
    """`path:line: your function NAME` for the learner's function that differs from the course's solution
    and holds the mistake; None when there is no solution to compare with, nothing or too much differs
    to tell, or the answer is `unless` (a definition the message already shows)."""
    try:
        found = _culprit(keep_files, learner_file, rerun, unless)
        return found[1] if found else None
    except Exception:  # a pointer is a courtesy: it must never break the verdict
        return None


def _culprit(keep_files: list[Path], learner_file: Path, rerun, unless: str | None) -> tuple[str, str] | None:
    from kata.feedback import search

    checks = [p for p in keep_files if p and real_path(p) != real_path(learner_file)]
    reference = reference_for(checks[0]) if checks else None
    candidates = differing(learner_file, reference) if reference else None
    if not candidates or unless in candidates:
        return None
    defined = _definitions(real_path(learner_file), _mtime(real_path(learner_file)))
    name = candidates[0] if len(candidates) == 1 else None
    if name is None and rerun is not None and reference is not None and len(candidates) <= search.MAX_CANDIDATES:
        name = search.search(candidates, reference, rerun)
    if name is None or name not in defined:
        return None
    lineno, kind = defined[name]
    return name, _pointer(learner_file, lineno, name, kind)


def learner_definition(tb, keep_files: list[Path], learner_file: Path, rerun=None) -> str | None:
    """`path:line: your function NAME`, for a failure raised by the check itself (a wrong value
    came back, no error): the traceback never entered the learner's file, so this points at the
    part of it the failing check was about.

    That part is the first of the exercise's tasks (what the stub leaves as a TODO: functions that
    raise NotImplementedError, names set to None) named by the failing check, reading the check's
    frames from the innermost out and following the check module's own helpers. Without a stub
    beside the checks, any function of the learner's file counts. None when nothing fits.

    Before that guess, the function that differs from the course's solution (`culprit_pointer`;
    `rerun`: the plugin's way to run the step again, local mode only).
    """
    try:
        found = _culprit(keep_files, learner_file, rerun, None)
        if found:
            return found[1]
        return _learner_definition(tb, keep_files, learner_file)
    except Exception:  # a pointer is a courtesy: it must never break the verdict
        return None


def _learner_definition(tb, keep_files: list[Path], learner_file: Path) -> str | None:
    learner = real_path(learner_file)
    checks = [p for p in keep_files if p and real_path(p) != learner]
    if not checks:
        return None
    defined = _definitions(learner, _mtime(learner))
    if not defined:
        return None
    stub = Path(checks[0]).resolve().parent.parent / "exercises" / Path(checks[0]).name.removeprefix("test_")
    tasks = _tasks(str(stub), _mtime(str(stub))) if stub.is_file() else None
    reference = reference_for(checks[0])
    changed = differing(learner_file, reference) if reference else None
    if changed:  # what differs from the solution is where a mistake can be: narrower than the stub's TODOs
        tasks = frozenset(changed)
    check_files = {real_path(p) for p in checks}
    frames = []
    while tb is not None:
        if real_path(tb.tb_frame.f_code.co_filename) in check_files:
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
    return f"{describe(str(learner_file), lineno)}: {what}"


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _parsed(path: str, mtime: int):
    return parsed(path, mtime)  # the parse culprit.py made of the same file, if it did


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
    for sub in sorted((n for n in ast.walk(node) if isinstance(n, ast.expr)), key=lambda n: (n.lineno, n.col_offset)):
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
