"""kata.earlier in the bundled second course (issue 25): each file holds only its own exercise's code
and imports the earlier ones, so no definition is copied from an earlier one, and the course stays small."""

import ast
from pathlib import Path

from tests.conftest import REPO

COURSE = REPO / "courses" / "pytorch-from-scratch"


def _definitions(path: Path) -> set[str]:
    """Top-level functions and classes, a class grown with `@extend(...)` left out (it adds to an earlier one)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        extends = isinstance(node, ast.ClassDef) and any(
            isinstance(d, ast.Call) and getattr(d.func, "id", "") == "extend" for d in node.decorator_list)
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not extends:
            found.add(node.name)
    return found


def test_no_solution_copies_an_earlier_exercises_definition():
    seen: dict[str, str] = {}
    copies = []
    for path in sorted((COURSE / "solutions").glob("*.py")):
        for name in sorted(_definitions(path)):
            if name in seen and name != "SGD":  # 17 rewrites 16's SGD whole, with momentum: its exercise
                copies.append(f"{path.name} defines {name}, as {seen[name]} did")
            seen.setdefault(name, path.name)
    assert not copies, copies


def test_the_course_is_under_8k_lines_of_python_and_nothing_generated():
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in COURSE.rglob("*.py"))
    assert lines < 8000, lines
    assert not (REPO / "courses" / "_build").exists()
