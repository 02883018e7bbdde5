"""Which function a `.mistake` breaks: the `# breaks:` header, and the function a patch's lines are in.

    # expect: It moved uphill
    # breaks: SGD.step

`# breaks: NAME` (a function, or `Class.method`) names the definition that holds the mistake, so
`kata verify` can tell whether a failure's pointer ("your function X") names the right one.
`enclosing` derives it from a patch: the innermost top-level function or method of the solution
whose lines the `# replace:` blocks change (nested functions count as the method that defines them,
as the pointer names them). Pure; never reads files.
"""

from __future__ import annotations

import ast
import re

from kata.dev.mistakes.patch import Block, PatchError, occurrences

BREAKS = re.compile(r"^#\s*breaks:\s*(.*?)\s*$")
QUALNAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$")


def parse_breaks(text: str) -> str | None:
    """The `# breaks:` name of a `.mistake` file's leading comments (None when it declares none)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# replace:") or (stripped and not stripped.startswith("#")):
            break
        match = BREAKS.match(stripped)
        if match:
            if not QUALNAME.match(match.group(1)):
                raise PatchError(f"`# breaks: {match.group(1)}` names no function: give `NAME` or `Class.method`.")
            return match.group(1)
    return None


def definitions(source: str) -> dict[str, tuple[int, int]]:
    """qualname -> (first line, last line) of the top-level functions and the methods of top-level classes
    (decorators included)."""
    tree = ast.parse(source)
    found: dict[str, tuple[int, int]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = (_first_line(node), node.end_lineno or node.lineno)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{item.name}"] = (_first_line(item), item.end_lineno or item.lineno)
    return found


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([node.lineno] + [d.lineno for d in node.decorator_list])


def enclosing(solution: str, blocks: list[Block]) -> list[str]:
    """The functions (qualnames) of `solution` whose lines the blocks replace, in file order. A block
    outside every function names the module-level names its lines assign (`dc_da = a.grad`), as the
    pointer does ("where your file sets dc_da"); one that assigns nothing adds nothing."""
    lines = solution.splitlines()
    spans = definitions(solution)
    assigned = assignments(solution)
    names: list[str] = []
    where: dict[str, int] = {}
    for block in blocks:
        for start in occurrences(lines, block.old):
            first, last = start + 1, start + len(block.old)
            inside = [name for name, (lo, hi) in spans.items() if lo <= first and last <= hi]
            if not inside:
                inside = [name for line, name in assigned if first <= line <= last]
            for name in inside:
                if name not in names:
                    names.append(name)
                    where[name] = spans[name][0] if name in spans else first
    return sorted(names, key=lambda name: where[name])


def assignments(source: str) -> list[tuple[int, str]]:
    """(line, name) of each module-level `name = ...` (and `name: T = ...`)."""
    found = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        found += [(node.lineno, t.id) for t in targets if isinstance(t, ast.Name)]
    return found
