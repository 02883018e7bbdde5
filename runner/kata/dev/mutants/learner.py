"""What the learner writes, read with `ast` from the stub beside the solution: only that is mutated.

Functions whose stub raises NotImplementedError (or differs from the solution without raising),
module-level names the stub assigns on a line marked TODO, and module-level statements the
solution has and the stub leaves out.
"""

from __future__ import annotations

import ast

Function = ast.FunctionDef | ast.AsyncFunctionDef

def functions(tree: ast.Module) -> dict[str, Function]:
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
    for node in own_nodes(func):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def own_nodes(func: ast.AST):
    """Every node of a function's body, not descending into nested functions, lambdas or classes."""
    todo = list(ast.iter_child_nodes(func))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


def _body_dump(func: Function) -> str:
    body = list(func.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def todo_functions(stub: ast.Module, solution: ast.Module) -> list[str]:
    """The functions the learner writes: the stub's raise NotImplementedError (and the solution's
    does not), or the stub's differs from the solution's without raising (a stub that returns)."""
    ours, theirs = functions(stub), functions(solution)
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
    ours = functions(stub)
    return [name for name in todo_functions(stub, solution) if not raises_not_implemented(ours[name])]


def assigned_names(node: ast.Assign | ast.AnnAssign) -> list[str]:
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
                names += assigned_names(node)
    return names


def missing_statements(stub: ast.Module, solution: ast.Module, skip: set[str]) -> list[int]:
    """Indexes of the solution's module-level statements the stub leaves out (the learner writes them)."""
    have = {ast.dump(node) for node in stub.body}
    missing = []
    for index, node in enumerate(solution.body):
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and set(assigned_names(node)) & skip:
            continue
        if ast.dump(node) not in have:
            missing.append(index)
    return missing
