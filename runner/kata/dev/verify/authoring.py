"""What an instructor has left to write: files that belong to no exercise, a `kata new` scaffold's
example still in place, hints that are missing or still TODO.
"""

from __future__ import annotations

from kata.course import Course, Exercise, stray_files


def manifest_problems(course: Course) -> list[str]:
    problems = [
        f"{path.relative_to(course.root)} belongs to no exercise in kata.toml: "
        + ("its mistakes are never run. Rename it to the NN_name of the exercise it catalogues, or delete it."
           if path.is_dir() else "add an entry for it, rename it to NN_name.py to match one, or delete it.")
        for path in stray_files(course)
    ]
    return problems


def authoring_problems(ex: Exercise) -> list[str]:
    """What a `kata new` scaffold leaves for the instructor to write, and hints that are missing."""
    from kata.dev.scaffold import leftovers

    problems = []
    left = leftovers(ex)
    if left:
        files = ", ".join(str(p.relative_to(ex.root)) for p in left)
        problems.append(
            f"{files} still hold the example from `kata new`: the instructor must write real checks "
            "(steps that a wrong answer fails), the real stub and solution, then delete each "
            "`kata:scaffold` line.")
    if not ex.hints:
        problems.append(f"{ex.id} {ex.name} has no hints: add `hints = [...]` to its kata.toml entry.")
    placeholders = [str(n) for n, hint in enumerate(ex.hints, start=1) if hint.lstrip().upper().startswith("TODO")]
    if placeholders:
        problems.append(f"hint {', '.join(placeholders)} of {ex.id} {ex.name} still "
                        f"{'is a placeholder' if len(placeholders) == 1 else 'are placeholders'} (TODO): "
                        "write real hints in kata.toml, from the gentlest to the most direct.")
    return problems
