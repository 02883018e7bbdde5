"""Stubs appear when they unlock: which exercises' stubs a learner's progress allows, and writing them.

A course's stub may carry the earlier exercises' answers as working code (the second course's
02 holds 01's solution, so that each file runs on its own). So only an unlocked exercise's stub
is ever written into the workspace: `kata init` writes those the progress allows (the first one,
in a new workspace); a pass that unlocks the next exercise, and a skip, write the next one. A
learner's existing file is never replaced, and a workspace from an older kata, with every stub
in it, keeps working as it is. The first part is pure (course + progress); the second writes.
"""

from __future__ import annotations

import ast
import copy
import os
from pathlib import Path
from typing import Protocol

from kata import notebook
from kata.course import Course, Exercise
from kata.progress import Progress, blocker


class StubFolder(Protocol):
    """What writing stubs needs of a `kata.workspace.Workspace` (which imports this module)."""

    @property
    def course(self) -> Course: ...

    @property
    def notebooks(self) -> str | None: ...

    def file_of(self, ex: Exercise) -> Path: ...

    def py_of(self, ex: Exercise) -> Path: ...

    def files_of(self, ex: Exercise) -> list[Path]: ...


# ---- which stubs a progress allows (pure) ----

def allowed(course: Course, progress: Progress) -> list[Exercise]:
    """The exercises whose stubs may be in the workspace: the unlocked ones (done, skipped, started,
    or with every earlier exercise finished)."""
    return [ex for ex in course.exercises if blocker(course, progress, ex) is None]


def newly_allowed(course: Course, before: Progress, after: Progress) -> list[Exercise]:
    """The exercises that `after` unlocks and `before` did not: the stubs a change brings."""
    had = {ex.name for ex in allowed(course, before)}
    return [ex for ex in allowed(course, after) if ex.name not in had]


def carried_answers(ex: Exercise, into: Exercise) -> list[str]:
    """The functions of `ex`'s answer that `into`'s stub holds as working code: each function or
    method the learner writes in `ex` (its stub and solution differ) whose solution, to the letter
    of its syntax tree, is in `into`'s stub. Empty when the course ships no solutions."""
    stub, solution, later = (_functions(path) for path in (ex.stub, ex.solution, into.stub))
    return [name for name, body in solution.items() if stub.get(name) != body and later.get(name) == body]


def _functions(path: Path) -> dict[str, str]:
    """Each top-level function and class method of a file, by qualified name, as its syntax tree."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return {}
    found: dict[str, str] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + node.name] = ast.dump(_without_docstrings(node))
            elif isinstance(node, ast.ClassDef):
                walk(node.body, f"{prefix}{node.name}.")

    walk(tree.body, "")
    return found


def _without_docstrings(node: ast.AST) -> ast.AST:
    """`node` with every docstring in it left out: a later file may retell the prose ("(Exercise 03.)"),
    and the code is the answer."""
    node = copy.deepcopy(node)
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if (isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            inner.body = body[1:] or [ast.Pass()]
    return node


def answers_brought(course: Course, ex: Exercise, bringing: list[Exercise]) -> dict[Exercise, list[str]]:
    """Of the stubs in `bringing`, those that hold part of `ex`'s answer, with the functions they hold."""
    if not course.ships_solutions:
        return {}
    found = {into: carried_answers(ex, into) for into in bringing if into is not ex}
    return {into: names for into, names in found.items() if names}


# ---- writing them ----

def write_stub(ws: StubFolder, ex: Exercise) -> tuple[list[Path], list[Path]]:
    """Write `ex`'s stub into the workspace as the workspace holds exercises (a `.py`; a notebook,
    paired or alone). Returns (files created, files kept): a learner's file is never replaced, and
    in a notebook workspace the learner's own `.py` becomes the notebook, so their work moves along."""
    dest = ws.file_of(ex)
    if dest.suffix == ".ipynb":  # a notebook is there already: it is the learner's
        return [], [dest]
    mode = ws.notebooks
    if mode is None:
        return ([dest], []) if copy_new(ex.stub, dest) else ([], [dest])
    py = ws.py_of(ex)
    nb = py.with_suffix(".ipynb")
    text = py.read_text(encoding="utf-8") if py.exists() else ex.stub.read_text(encoding="utf-8")
    write_py = mode == "paired" and not py.exists()
    notebook.write_notebook(text, nb, py if mode == "paired" else None, write_pair=write_py)
    return ([nb, py] if write_py else [nb]), []


def has_file(ws: StubFolder, ex: Exercise) -> bool:
    """Whether the learner has a file of `ex` (its notebook or its `.py`)."""
    return any(path.exists() for path in ws.files_of(ex))


def write_allowed(ws: StubFolder, progress: Progress) -> tuple[list[Path], list[Path], list[Exercise]]:
    """Complete the workspace up to what `progress` unlocks: (files created, files kept, the exercises
    still locked whose stubs were not written). A locked exercise's file already there (a workspace
    from an older kata) is the learner's and stays; in a notebook workspace it becomes a notebook."""
    created: list[Path] = []
    kept: list[Path] = []
    unlocked = {ex.name for ex in allowed(ws.course, progress)}
    locked: list[Exercise] = []
    for ex in ws.course.exercises:
        if ex.name not in unlocked and not has_file(ws, ex):
            locked.append(ex)
            continue
        made, there = write_stub(ws, ex)
        created += made
        kept += there
    return created, kept, locked


def write_new(ws: StubFolder, exercises: list[Exercise]) -> list[Path]:
    """Write the stubs of `exercises` (just unlocked) that the learner has no file of; returns the
    files created. A failure to write (a read-only workspace) is no reason to lose a verdict: the
    stub is written by the next `kata init` or `kata reset`."""
    created: list[Path] = []
    for ex in exercises:
        if has_file(ws, ex):
            continue
        try:
            created += write_stub(ws, ex)[0]
        except OSError:
            continue
    return created


def copy_new(src: Path, dest: Path, overwrite: bool = False) -> bool:
    """Copy `src` to `dest` atomically; without `overwrite`, never replace an existing file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    data = src.read_bytes()
    if overwrite:
        tmp = dest.with_name(f".{dest.name}.kata-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dest)
        return True
    try:
        with open(dest, "xb") as handle:
            handle.write(data)
    except FileExistsError:
        return False
    return True
