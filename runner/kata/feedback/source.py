"""Reading the learner's source with `ast`: where a module-level name is set, and from what.

Some right-looking values are right by accident: `dc_da = 10.0` typed in after
`c.backward()` equals `a.grad`, yet the exercise asked PyTorch to compute it.
Comparing values cannot tell the two apart; the line that set the name can.

Pure: reads a file, never imports or runs it, so it works on a module that
another process imported (only the module's `__file__` is needed). The file is read as the
checks see it (`kata.learner_source`): a notebook's code cells joined into the module that ran,
never its JSON, and a line is told as the notebook's cell and line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kata.learner_source import describe, learner_source


@dataclass(frozen=True)
class Assignment:
    """The last module-level statement that sets a name: where it is and what it reads."""

    path: str
    lineno: int
    code: str  # the statement's source, on one line
    reads: frozenset[str]  # every attribute read on the way, following names set earlier and module functions
    calls: frozenset[str]  # every function or method name called on the way
    where: str = ""  # `path:line`, or for a notebook `path, cell N, line M`

    def __post_init__(self) -> None:
        if not self.where:
            object.__setattr__(self, "where", f"{self.path}:{self.lineno}")

    def reads_attribute(self, attribute: str) -> bool:
        return attribute in self.reads


def module_path(module: Any) -> str | None:
    path = getattr(module, "__file__", None)
    return str(path) if isinstance(path, (str, Path)) else None


def parsed(module: Any) -> tuple[str, str, ast.Module] | None:
    """(path, source, tree) of `module`'s file as the checks see it, or None when it cannot be read or parsed."""
    path = module_path(module)
    if path is None:
        return None
    source = learner_source(path)
    if source is None:
        return None
    try:
        return path, source, ast.parse(source, filename=path)
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        return None


def where(module: Any, lineno: int) -> str:
    """Line `lineno` of `module`'s file as the learner finds it: `path:line`, or a notebook's cell and line."""
    return describe(module_path(module) or "<unknown>", lineno)


def last_assignment(module: Any, name: str) -> Assignment | None:
    """The last statement at the top level of `module`'s file (not under `if __name__ ==
    "__main__":`, not in a function or class) that sets `name`, or None when none does or the
    file cannot be read or parsed."""
    read = parsed(module)
    if read is None:
        return None
    path, source, tree = read
    sets: dict[str, list[tuple[ast.stmt, ast.expr]]] = {}
    functions: dict[str, ast.AST] = {}
    for statement in _top_level(tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[statement.name] = statement
        for target, value in _targets(statement):
            sets.setdefault(target, []).append((statement, value))
    if name not in sets:
        return None
    statement, value = sets[name][-1]
    reads: set[str] = set()
    calls: set[str] = set()
    _collect(value, sets, functions, reads, calls, seen={name})
    code = " ".join((ast.get_source_segment(source, statement) or "").split())
    return Assignment(path, statement.lineno, code, frozenset(reads), frozenset(calls),
                      describe(path, statement.lineno, source))


def _top_level(body: list[ast.stmt]):
    """The statements that run at import, in order, entering blocks but not functions or the main guard."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If):
            if _is_main_guard(statement.test):
                yield from _top_level(statement.orelse)
                continue
            yield from _top_level(statement.body)
            yield from _top_level(statement.orelse)
        elif isinstance(statement, (ast.With, ast.For, ast.While)):
            yield from _top_level(statement.body)
            yield from _top_level(getattr(statement, "orelse", []))
        elif isinstance(statement, ast.Try):
            for block in (statement.body, *(h.body for h in statement.handlers), statement.orelse,
                          statement.finalbody):
                yield from _top_level(block)


def _is_main_guard(test: ast.expr) -> bool:
    return any(isinstance(node, ast.Name) and node.id == "__name__" for node in ast.walk(test))


def _targets(statement: ast.stmt):
    """(name, the expression it is set from) for each name a statement sets."""
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            yield from _pair(target, statement.value)
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        yield from _pair(statement.target, statement.value)
    elif isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
        yield statement.target.id, ast.BinOp(left=ast.Name(statement.target.id, ast.Load()), op=statement.op,
                                             right=statement.value)


def _pair(target: ast.expr, value: ast.expr):
    if isinstance(target, ast.Name):
        yield target.id, value
    elif isinstance(target, (ast.Tuple, ast.List)):
        parts = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) \
            else [value] * len(target.elts)
        for sub, part in zip(target.elts, parts):
            yield from _pair(sub, part)


def _collect(node: ast.AST, sets, functions, reads: set[str], calls: set[str], seen: set[str]) -> None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            reads.add(sub.attr)
        elif isinstance(sub, ast.Call):
            func = sub.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if called:
                calls.add(called)
            if isinstance(func, ast.Name) and func.id in functions and func.id not in seen:
                seen.add(func.id)
                _collect(functions[func.id], sets, functions, reads, calls, seen)
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in sets and sub.id not in seen:
            seen.add(sub.id)
            for _, value in sets[sub.id]:
                _collect(value, sets, functions, reads, calls, seen)


def softmax_calls_without_dim(module: Any) -> list[tuple[int, str]]:
    """(line, code) of each softmax in the learner's file that leaves its dimension to PyTorch.

    `F.softmax(x)`, `torch.softmax(x)`, `x.softmax()` and `nn.Softmax()` all work out an
    "implicit" dim from the input's number of dimensions (deprecated, with a warning): right on a
    batch by luck, over the batch on other inputs. Functions take the dim as their second
    argument, methods and `nn.Softmax` as their first. Code under the main guard is left out.
    """
    read = parsed(module)
    if read is None:
        return []
    _, source, tree = read
    modules = _imported_module_names(tree)
    guarded = {id(node) for statement in tree.body if isinstance(statement, ast.If) and _is_main_guard(statement.test)
               for node in ast.walk(statement)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in guarded:
            continue
        if any(keyword.arg in ("dim", None) for keyword in node.keywords):  # dim=..., or **kwargs we cannot see
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in ("softmax", "log_softmax", "Softmax", "LogSoftmax"):
            continue
        if name in ("Softmax", "LogSoftmax"):
            needed = 1
        elif isinstance(func, ast.Name):
            needed = 2 if func.id in modules.get("", set()) else 0  # `from torch... import softmax`; else the learner's own
        else:  # F.softmax(x) or t.nn.functional.softmax(x): a function; x.softmax(): a method
            needed = 2 if isinstance(func, ast.Attribute) and _is_module_chain(func.value, modules) else 1
        if needed and len(node.args) < needed and not any(isinstance(a, ast.Starred) for a in node.args):
            found.append((node.lineno, " ".join((ast.get_source_segment(source, node) or name).split())))
    return found


def _imported_module_names(tree: ast.Module) -> dict[str, set[str]]:
    """The names the file binds to modules (`import torch as t` → t), and under "" the functions it
    imports from torch (`from torch.nn.functional import softmax` → softmax)."""
    names: dict[str, set[str]] = {"": set()}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.setdefault(alias.asname or alias.name.split(".")[0], set())
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            for alias in node.names:
                bound = alias.asname or alias.name
                if alias.name in ("functional", "nn", "special"):
                    names.setdefault(bound, set())
                else:
                    names[""].add(bound)
    return names


def _is_module_chain(node: ast.expr, modules: dict[str, set[str]]) -> bool:
    """`t`, `t.nn.functional`, `F`: a dotted name that starts at an imported module and only names
    submodules, as opposed to a tensor (`x`, `self.logits`)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in modules or node.id == "":
        return False
    return all(part in ("nn", "functional", "special") for part in parts)


def attribute_assignments(module: Any, function: str, attribute: str) -> list[tuple[int, str]]:
    """(line, code) of each `something.attribute = ...` (a plain `=`, not `-=`) in the learner's
    top-level function `function` (its last definition), e.g. `x.data = x.data - ...`."""
    read = parsed(module)
    if read is None:
        return []
    _, source, tree = read
    defs = [s for s in _top_level(tree.body) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            and s.name == function]
    if not defs:
        return []
    found = []
    for node in ast.walk(defs[-1]):
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(t, ast.Attribute) and t.attr == attribute for t in targets):
            found.append((node.lineno, " ".join((ast.get_source_segment(source, node) or "").split())))
    return found
