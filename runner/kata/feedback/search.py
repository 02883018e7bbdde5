"""Local mode: which of several differing functions holds the mistake, told by re-running the failing step.

`culprit.differing` leaves the candidates: the learner's functions whose code is not the solution's.
When there are several (a learner writes their own way, or one mistake spans two methods), the
failing step is run again, a few times, in a fresh copy of the learner's module:

1. once traced (`sys.setprofile`, learner frames only): which candidates the step called, in the
   order it first called them; one called candidate is the answer;
2. each called candidate replaced by the solution's code alone: the one whose replacement makes the
   step pass holds the mistake;
3. else each called candidate kept alone, every other one replaced: the first (in call order)
   that still fails the step computes a wrong output from right inputs.

The solution's code is compiled into the learner's module (their globals, their classes), so it
builds the learner's objects. Only on a failure, never on a pass; at most `BUDGET_S` in all,
each run stopped at what is left of it. `rerun` is the plugin's (kata.plugin.rerun); in judged
mode there is none, and this is never called.
"""

from __future__ import annotations

import ast
import copy
import functools
import time
from pathlib import Path
from types import ModuleType
from typing import Callable, Protocol

BUDGET_S = 1.0  # one step's search
RUN_BUDGET_S = 2.0  # all the searches of one check run (a stub fails every step)
MAX_CANDIDATES = 12
_spent = [0.0]

Prepare = Callable[[ModuleType], None]


class Rerun(Protocol):
    """Run the failing step again on a fresh copy of the learner's module, `prepare`d first: whether
    it passed, and with `trace`, the learner's functions it called (qualnames, first call first)."""

    def __call__(self, prepare: Prepare | None, trace: bool, limit_s: float) -> tuple[bool, list[str]]: ...


def search(candidates: list[str], reference: Path, rerun: Rerun, budget_s: float = BUDGET_S) -> str | None:
    """The candidate that holds the mistake, or None when the runs cannot tell (or the time is up)."""
    started = time.monotonic()
    deadline = started + min(budget_s, RUN_BUDGET_S - _spent[0])
    try:
        return _search(candidates, reference, rerun, deadline)
    finally:
        _spent[0] += time.monotonic() - started


def _search(candidates: list[str], reference: Path, rerun: Rerun, deadline: float) -> str | None:
    def left() -> float:
        return deadline - time.monotonic()

    if left() <= 0:
        return None
    passed, called = rerun(None, True, left())
    if passed:  # the failure does not come back on its own: nothing to learn from re-running it
        return None
    order = [name for name in called if name in candidates]
    if len(order) <= 1:
        return order[0] if order else None
    for name in order:
        if left() <= 0:
            return None
        if rerun(swapped(reference, [name]), False, left())[0]:
            return name
    for name in order:
        if left() <= 0:
            return None
        if not rerun(swapped(reference, [n for n in order if n != name]), False, left())[0]:
            return name
    return None


def traced_calls(learner_path: str) -> tuple[Callable, dict[str, None]]:
    """A profile function recording the learner's functions (a nested function as the one that defines
    it) as they are first called, and what it records: read it once the run is over."""
    seen: dict[str, None] = {}

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename == learner_path:
            seen.setdefault(frame.f_code.co_qualname.split(".<locals>")[0], None)

    return profile, seen


def swapped(reference: Path, names: list[str]) -> Prepare:
    """Put the reference's code of `names` (functions, `Class.method`s) into a learner's module."""

    def prepare(module: ModuleType) -> None:
        for name in names:
            node = _definitions(str(reference)).get(name)
            if node is None:
                continue
            owner_name, _, attr = name.rpartition(".")
            owner = module.__dict__.get(owner_name) if owner_name else None
            if owner_name and not isinstance(owner, type):
                continue
            # In a factory taking `__class__`, so a method's zero-argument super() finds its class; under
            # another name there, so that `sum` in a method named sum is still the builtin.
            factory = ast.parse("def __kata_swap__(__class__):\n    pass").body[0]
            assert isinstance(factory, (ast.FunctionDef, ast.AsyncFunctionDef))
            renamed = copy.copy(node)
            renamed.name = "__kata_swapped__"  # type: ignore[attr-defined]
            factory.body = [renamed, ast.Return(ast.Name("__kata_swapped__", ast.Load()))]
            tree = ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))
            space: dict = {}
            exec(compile(tree, str(reference), "exec"), module.__dict__, space)
            made = space["__kata_swap__"](owner)
            function = getattr(made, "fget", None) or getattr(made, "__func__", None) or made
            function.__name__, function.__qualname__ = attr or name, name
            if owner is not None:
                setattr(owner, attr, made)
            else:
                module.__dict__[name] = made

    return prepare


@functools.lru_cache(maxsize=4)
def _definitions(path: str) -> dict[str, ast.stmt]:
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    found: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{item.name}"] = item
    return found

