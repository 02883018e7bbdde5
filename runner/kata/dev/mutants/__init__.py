"""Mutants of a solution: wrong answers made with `ast`, to prove that every step can fail.

A step that fails on the stub only because the stub raises NotImplementedError
(`assert_close(out, out)`) cannot tell a wrong answer from a right one. `kata
verify` runs a few mutants of the solution, each with one mistake in it, and
records which steps each one fails. Only what the learner writes is mutated:

- functions whose stub raises NotImplementedError (or differs from the solution
  without raising): return the first argument, zeros, a constant, the negated
  value, the transposed value; or drop one statement;
- module-level assignments the stub marks `# TODO`: zeros, a constant, negated;
- module-level statements the solution has and the stub leaves out: dropped.

Value mutations happen at run time, through the helper inserted into each
mutant (`kata.dev.mutants.helper`); what the learner writes is read from the
stub (`kata.dev.mutants.learner`). Pure: generates source text, never runs anything.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from pathlib import Path

from kata.dev.mutants.helper import HELPER, HELPER_SOURCE
from kata.dev.mutants.learner import (Function, assigned_names, functions, missing_statements, own_nodes, todo_assignments,
                                      todo_functions)

MAX_MUTANTS = 6  # per exercise: each one is a whole run of the checks
VALUE_KINDS = ("zeros", "negate", "constant", "transpose")
MARKED = (*VALUE_KINDS, "touch")
# Which value mutations come first when the cap leaves room for only some: the likeliest slips first,
# then those that catch shape steps (transpose) and input-unchanged steps (touch).
ORDER = ("first_arg", "zeros", "constant", "transpose", "touch", "negate")
GUARDS = ("transpose", "touch")  # they fail steps the blunter changes pass: shapes, inputs left as they were
DESCRIBE = {
    "first_arg": "returns its first argument",
    "zeros": "returns zeros",
    "negate": "returns the negated value",
    "constant": "returns a constant",
    "transpose": "returns the transposed value",
    "drop": "drops a statement",
    "touch": "changes its first argument in place",
    "flip": "flips an in-place update (`-=` to `+=`, `*=` to `/=`)",
}
ASSIGNED = {  # how a mutated module-level assignment reads
    "zeros": "is set to zeros",
    "negate": "is set to the negated value",
    "constant": "is set to a constant",
}
_FLIP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}

@dataclass(frozen=True)
class Mutant:
    """One wrong answer: the solution with one change in `where`."""

    where: str  # the function (`Neuron.compute_output`) or module-level name it changes
    operator: str  # a key of DESCRIBE
    line: int  # the solution's line of the change
    tree: ast.Module
    assignment: bool = False  # `where` is a module-level name, not a function

    @property
    def label(self) -> str:
        what = ASSIGNED[self.operator] if self.assignment else DESCRIBE[self.operator]
        return f"{self.where} {what} (solution line {self.line})"

    def source(self, mark: Path) -> str:
        """The mutant's module text; its helper touches `mark` when a value mutation changes something."""
        tree = copy.deepcopy(self.tree)
        helper = ast.parse(f"_KATA_MUTANT_MARK = {str(mark)!r}\n" + HELPER_SOURCE).body
        at = 0
        while at < len(tree.body) and _is_docstring_or_future(tree.body[at], at):
            at += 1
        tree.body[at:at] = helper
        return ast.unparse(ast.fix_missing_locations(tree)) + "\n"

    @property
    def marks(self) -> bool:
        """Whether it only counts when its helper wrote its kind (run-time changes may change nothing)."""
        return self.operator in MARKED


def applied(mark: Path) -> set[str]:
    """The kinds of change that applied to some value while a mutant ran (read from its mark file)."""
    try:
        return set(mark.read_text(encoding="utf-8").split())
    except OSError:
        return set()


def _is_docstring_or_future(node: ast.stmt, index: int) -> bool:
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return True
    return index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
        and isinstance(node.value.value, str)


# --- the mutations -----------------------------------------------------------------------


class _WrapReturns(ast.NodeTransformer):
    """`return x` → `return _kata_mutant(kind, x)`, or `_kata_mutant_touch(argument, x)` for "touch"."""

    def __init__(self, kind: str, argument: str | None = None) -> None:
        self.kind, self.argument, self.changed = kind, argument, False

    def visit_FunctionDef(self, node):  # nested functions keep their returns
        return node

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef

    def visit_Return(self, node: ast.Return):
        if node.value is None:
            return node
        self.changed = True
        argument = [ast.Name(self.argument, ast.Load())] if self.argument else []
        if self.kind == "touch":
            node.value = ast.Call(ast.Name(f"{HELPER}_touch", ast.Load()), [*argument, node.value], [])
        else:  # the argument comes too, so the run also tells whether "touch" could change it
            node.value = ast.Call(ast.Name(HELPER, ast.Load()), [ast.Constant(self.kind), node.value, *argument], [])
        return node


def _returns_value(func: Function) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in own_nodes(func))


def _first_arg(func: Function, method: bool) -> str | None:
    args = [a.arg for a in func.args.posonlyargs + func.args.args]
    if method and args and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list):
        args = args[1:]
    return args[0] if args else None


def _droppable(func: Function) -> list[tuple[list[ast.stmt], int]]:
    """Statements whose removal is a plausible slip: calls, in-place updates, attribute or item assignments."""
    spots = []

    def walk(body: list) -> None:
        for index, node in enumerate(body):
            if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
                spots.append((body, index))
            elif isinstance(node, ast.AugAssign):
                spots.append((body, index))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and getattr(node, "value", None) is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if all(isinstance(t, (ast.Attribute, ast.Subscript)) for t in targets):
                    spots.append((body, index))
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(node, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt) \
                        and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    walk(inner)
            for handler in getattr(node, "handlers", []) or []:
                walk(handler.body)

    walk(func.body)
    return spots


def _locate(tree: ast.Module, name: str) -> Function:
    return functions(tree)[name]


def _function_mutants(solution: ast.Module, name: str) -> list[Mutant]:
    func = _locate(solution, name)
    method = "." in name
    made: list[Mutant] = []
    values: dict[str, Mutant] = {}
    if _returns_value(func) and not func.name.startswith("__"):
        arg = _first_arg(func, method)
        if arg is not None:
            tree = copy.deepcopy(solution)
            target = _locate(tree, name)
            first = target.body[0]
            doc = [first] if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) else []
            target.body = doc + [ast.Return(ast.Name(arg, ast.Load()))]
            values["first_arg"] = Mutant(name, "first_arg", func.lineno, tree)
        for kind in (*VALUE_KINDS, "touch"):
            if kind == "touch" and arg is None:
                continue
            tree = copy.deepcopy(solution)
            wrapper = _WrapReturns(kind, arg)
            target = _locate(tree, name)
            target.body = [wrapper.visit(stmt) for stmt in target.body]
            values[kind] = Mutant(name, kind, func.lineno, tree)
    drops = []
    for position, (body, index) in enumerate(_droppable(func)):
        statement = body[index]
        if isinstance(statement, ast.AugAssign) and type(statement.op) in _FLIP:
            tree = copy.deepcopy(solution)
            inner, at = _droppable(_locate(tree, name))[position]
            update = inner[at]
            assert isinstance(update, ast.AugAssign)  # the same statement, in the copy
            update.op = _FLIP[type(update.op)]()
            drops.append(Mutant(name, "flip", update.lineno, tree))
    for position in range(len(_droppable(func))):
        tree = copy.deepcopy(solution)
        body, index = _droppable(_locate(tree, name))[position]
        line = body[index].lineno
        del body[index]
        if not body:
            body.append(ast.Pass())
        drops.append(Mutant(name, "drop", line, tree))
    # interleave, so a cap keeps both kinds: first_arg, zeros, negate, drop, constant, drop, transpose, drop, …
    ranked = [values[k] for k in ORDER if k in values]
    order, rest = ranked[:3], ranked[3:]
    while rest or drops:
        if drops:
            order.append(drops.pop(0))
        if rest:
            order.append(rest.pop(0))
    made.extend(order)
    return made


def _assignment_mutants(solution: ast.Module, name: str) -> list[Mutant]:
    made = []
    for index, node in enumerate(solution.body):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and name in assigned_names(node):
            for kind in ("zeros", "negate", "constant"):
                tree = copy.deepcopy(solution)
                target = tree.body[index]
                assert isinstance(target, (ast.Assign, ast.AnnAssign)) and target.value is not None  # as in solution
                target.value = ast.Call(ast.Name(HELPER, ast.Load()), [ast.Constant(kind), target.value], [])
                made.append(Mutant(name, kind, node.lineno, tree, assignment=True))
            break
    return made


def _statement_mutant(solution: ast.Module, index: int) -> Mutant:
    tree = copy.deepcopy(solution)
    node = tree.body.pop(index)
    where = ast.unparse(node).splitlines()[0][:40]
    return Mutant(f"`{where}`", "drop", node.lineno, tree)


def generate(stub_text: str, solution_text: str, limit: int = MAX_MUTANTS) -> list[Mutant]:
    """Up to `limit` mutants of the solution, spread over every part the learner writes."""
    try:
        stub, solution = ast.parse(stub_text), ast.parse(solution_text)
    except SyntaxError:
        return []
    assigned = todo_assignments(stub_text, stub)
    groups = [_function_mutants(solution, name) for name in todo_functions(stub, solution)]
    groups += [_assignment_mutants(solution, name) for name in assigned]
    groups += [[_statement_mutant(solution, index)] for index in missing_statements(stub, solution, set(assigned))]
    groups = [g for g in groups if g]
    chosen: list[Mutant] = []
    while groups and len(chosen) < limit:  # round robin: every part gets its first mutants first
        for group in list(groups):
            if len(chosen) >= limit:
                break
            chosen.append(group.pop(0))
            if not group:
                groups.remove(group)
    return chosen


def write(mutants: list[Mutant], folder: Path, filename: str) -> list[tuple[Mutant, Path, Path]]:
    """Each mutant as `folder/mN/filename`, with the path its helper marks when it changed a value."""
    written = []
    for number, mutant in enumerate(mutants, start=1):
        place = folder / f"m{number}"
        place.mkdir(parents=True, exist_ok=True)
        mark = place / "applied"
        path = place / filename
        path.write_text(mutant.source(mark), encoding="utf-8")
        written.append((mutant, path, mark))
    return written
