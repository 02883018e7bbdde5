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

Value mutations happen at run time (`_kata_mutant(kind, value)` around each
returned value): a tensor, number, list, tuple, dict or dataclass is changed
keeping its shape and dtype. When nothing could be changed (a transposed
scalar) the mutant is the solution in disguise: the helper leaves no mark, and
verify does not count it. Pure: generates source text, never runs anything.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from pathlib import Path

MAX_MUTANTS = 6  # per exercise: each one is a whole run of the checks
HELPER = "_kata_mutant"
VALUE_KINDS = ("zeros", "negate", "constant", "transpose")
MARKED = (*VALUE_KINDS, "touch")
# Which value mutations come first when the cap leaves room for only some: the likeliest slips first,
# then those that catch shape steps (transpose) and input-unchanged steps (touch).
ORDER = ("first_arg", "zeros", "constant", "transpose", "touch", "negate")
GUARDS = ("transpose", "touch")  # they fail steps the blunter changes pass: shapes, inputs left as they were
GUARDS = ("transpose", "touch")  # they fail steps the blunt changes do not: shapes, inputs left unchanged  # changes that happen at run time, and may change nothing
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

# Inserted into every mutant (after any `from __future__` import). `kind` names the change;
# the value comes back changed, keeping shape, dtype and autograd graph where it can.
_HELPER_SOURCE = '''
_KATA_MUTANT_SAID = set()


def _kata_mutant_note(kinds):
    """Write the kinds of change that apply to a value the mutated code produced, once each per import."""
    new = [k for k in kinds if k not in _KATA_MUTANT_SAID]
    if not new:
        return
    _KATA_MUTANT_SAID.update(new)
    try:
        with open(_KATA_MUTANT_MARK, "a") as mark:
            mark.write("".join(k + "\\n" for k in new))
    except Exception:
        pass


def _kata_mutant(kind, value, argument=_kata_mutant_note):
    new = _kata_mutant_change(kind, value)
    # Which other changes this value could take, so verify can tell a change that never applies; each
    # kind is looked at until it applied once, so a training loop pays for it only in its first calls.
    kinds = [k for k in ("zeros", "negate", "constant", "transpose")
             if k != kind and k not in _KATA_MUTANT_SAID and _kata_mutant_change(k, value) is not _kata_mutant_change]
    if argument is not _kata_mutant_note and "touch" not in _KATA_MUTANT_SAID \
            and _kata_mutant_touch(argument, None, dry=True):
        kinds.append("touch")
    if new is not _kata_mutant_change:
        kinds.append(kind)
    _kata_mutant_note(kinds)
    return value if new is _kata_mutant_change else new


def _kata_mutant_touch(argument, value, dry=False):
    """Return `value`, having changed `argument` in place (a function that alters its input).
    With `dry`, only say whether `argument` could be changed so."""
    import sys
    torch = sys.modules.get("torch")
    numpy = sys.modules.get("numpy")
    changed = False
    try:
        if torch is not None and isinstance(argument, torch.Tensor) and argument.numel():
            if not dry:
                with torch.no_grad():
                    argument.add_(1)
            changed = True
        elif numpy is not None and isinstance(argument, numpy.ndarray) and argument.size and argument.flags.writeable:
            if not dry:
                argument += 1
            changed = True
        elif isinstance(argument, list) and argument:
            if not dry:
                argument.append(argument[-1])
            changed = True
        elif isinstance(argument, dict) and argument:
            if not dry:
                argument.pop(next(iter(argument)))
            changed = True
    except Exception:
        changed = False
    if dry:
        return changed
    if changed:
        _kata_mutant_note(["touch"])
    return value


def _kata_mutant_change(kind, value):
    """The changed value, or this function itself when `value` cannot be changed that way."""
    import dataclasses
    import sys
    same = _kata_mutant_change
    torch = sys.modules.get("torch")
    numpy = sys.modules.get("numpy")
    if torch is not None and isinstance(value, torch.Tensor):
        if value.numel() == 0:
            return same
        with torch.no_grad():
            base = value.detach()
            if base.dtype == torch.bool:
                new = {"zeros": torch.zeros_like(base), "negate": ~base, "constant": torch.ones_like(base)}.get(kind)
                if kind == "transpose" and base.dim() >= 2:
                    new = base.transpose(-1, -2)
            elif kind == "zeros":
                new = torch.zeros_like(base)
            elif kind == "negate":
                new = -base
            elif kind == "constant":
                new = torch.full_like(base, 0.5 if base.is_floating_point() or base.is_complex() else 7)
            elif kind == "transpose" and base.dim() >= 2:
                new = base.transpose(-1, -2).clone()
            else:
                new = None
            if new is None or (new.shape == base.shape and bool((new == base).all())):
                return same
        if value.requires_grad and new.is_floating_point():
            if value.is_leaf:
                return new.clone().requires_grad_(True)
            if new.shape == value.shape:
                return value - value.detach() + new  # keeps the graph, changes the value
            if kind == "transpose":
                return value.transpose(-1, -2)
        return new
    if numpy is not None and isinstance(value, numpy.ndarray):
        if value.size == 0:
            return same
        new = {"zeros": lambda: numpy.zeros_like(value), "negate": lambda: -value if value.dtype != bool else ~value,
               "constant": lambda: numpy.full_like(value, 7 if value.dtype.kind in "iub" else 0.5),
               "transpose": lambda: numpy.swapaxes(value, -1, -2) if value.ndim >= 2 else value}[kind]()
        if new.shape == value.shape and bool((new == value).all()):
            return same
        return new
    if isinstance(value, bool):
        new = {"zeros": False, "negate": not value, "constant": True}.get(kind, value)
        return same if new == value else new
    if isinstance(value, (int, float, complex)):
        new = {"zeros": type(value)(0), "negate": -value,
               "constant": 7 if isinstance(value, int) else type(value)(0.5)}.get(kind, value)
        return same if new == value else new
    if isinstance(value, (list, tuple)):
        if kind == "transpose":
            rows = [r for r in value if isinstance(r, (list, tuple))]
            if not value or len(rows) != len(value) or len({len(r) for r in rows}) != 1 or not rows[0]:
                return same
            new = [type(value[0])(column) for column in zip(*value)]
            new = type(value)(new) if not hasattr(value, "_fields") else same
            return same if new is same or new == value else new
        items = [_kata_mutant_change(kind, item) for item in value]
        if all(item is same for item in items):
            return same
        items = [old if item is same else item for old, item in zip(value, items)]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        items = {key: _kata_mutant_change(kind, item) for key, item in value.items()}
        if all(item is same for item in items.values()):
            return same
        return {key: (value[key] if item is same else item) for key, item in items.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        new = None
        for f in dataclasses.fields(value):
            item = _kata_mutant_change(kind, getattr(value, f.name, None))
            if item is not same:
                new = new if new is not None else copy_of(value)
                object.__setattr__(new, f.name, item)
        return same if new is None else new
    return same


def copy_of(value):
    import copy
    return copy.copy(value)
'''.replace("copy_of", "_kata_mutant_copy")


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
        helper = ast.parse(f"_KATA_MUTANT_MARK = {str(mark)!r}\n" + _HELPER_SOURCE).body
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


# --- what the learner writes -------------------------------------------------------------


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level functions and methods of module-level classes, by qualified name."""
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{item.name}"] = item
    return found


def raises_not_implemented(func: ast.AST) -> bool:
    for node in _own_nodes(func):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def _own_nodes(func: ast.AST):
    """Every node of a function's body, not descending into nested functions, lambdas or classes."""
    todo = list(ast.iter_child_nodes(func))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


def _body_dump(func: ast.AST) -> str:
    body = list(func.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def todo_functions(stub: ast.Module, solution: ast.Module) -> list[str]:
    """The functions the learner writes: the stub's raise NotImplementedError (and the solution's
    does not), or the stub's differs from the solution's without raising (a stub that returns)."""
    ours, theirs = _functions(stub), _functions(solution)
    names = []
    for name, func in ours.items():
        if name not in theirs:
            continue
        if raises_not_implemented(theirs[name]):
            continue  # raises in the solution too: not part of the exercise
        if raises_not_implemented(func) or _body_dump(func) != _body_dump(theirs[name]):
            names.append(name)
    return names


def returning_todos(stub_text: str, solution_text: str) -> list[str]:
    """Functions the learner writes whose stub returns instead of raising NotImplementedError."""
    try:
        stub, solution = ast.parse(stub_text), ast.parse(solution_text)
    except SyntaxError:
        return []
    ours = _functions(stub)
    return [name for name in todo_functions(stub, solution) if not raises_not_implemented(ours[name])]


def _assigned_names(node: ast.stmt) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [t.id for t in targets if isinstance(t, ast.Name)]


def todo_assignments(stub_text: str, stub: ast.Module) -> list[str]:
    """Module-level names the stub assigns on a line marked TODO (`dc_da = None  # TODO`)."""
    lines = stub_text.splitlines()
    names = []
    for node in stub.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            text = "\n".join(lines[node.lineno - 1:node.end_lineno])
            if "TODO" in text:
                names += _assigned_names(node)
    return names


def _missing_statements(stub: ast.Module, solution: ast.Module, skip: set[str]) -> list[int]:
    """Indexes of the solution's module-level statements the stub leaves out (the learner writes them)."""
    have = {ast.dump(node) for node in stub.body}
    missing = []
    for index, node in enumerate(solution.body):
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and set(_assigned_names(node)) & skip:
            continue
        if ast.dump(node) not in have:
            missing.append(index)
    return missing


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


def _returns_value(func: ast.AST) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in _own_nodes(func))


def _first_arg(func: ast.FunctionDef, method: bool) -> str | None:
    args = [a.arg for a in func.args.posonlyargs + func.args.args]
    if method and args and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list):
        args = args[1:]
    return args[0] if args else None


def _droppable(func: ast.AST) -> list[tuple[list, int]]:
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


def _locate(tree: ast.Module, name: str) -> ast.AST:
    return _functions(tree)[name]


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
        if isinstance(body[index], ast.AugAssign) and type(body[index].op) in _FLIP:
            tree = copy.deepcopy(solution)
            inner, at = _droppable(_locate(tree, name))[position]
            inner[at].op = _FLIP[type(inner[at].op)]()
            drops.append(Mutant(name, "flip", inner[at].lineno, tree))
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
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and name in _assigned_names(node):
            for kind in ("zeros", "negate", "constant"):
                tree = copy.deepcopy(solution)
                target = tree.body[index]
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
    groups += [[_statement_mutant(solution, index)] for index in _missing_statements(stub, solution, set(assigned))]
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
