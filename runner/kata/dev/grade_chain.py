"""Grading a course whose exercises build on earlier ones (kata.earlier): a failure that comes from an
earlier exercise is that exercise's.

Each exercise is graded on the submission's own earlier files (never a reference), so an exercise can
fail for a mistake it does not hold. Two rules say so in its verdict (the score is unchanged: each
exercise keeps its own points, docs/design-learner-library.md):

(a) an exception raised in an earlier file is named where it happened, by the run itself
    (`kata.earlier.attribution`: "This comes from your `one` from exercise 01 ...");
(b) otherwise, when an exercise it builds on (its `earlier("NN")` imports, followed through the
    submission's files) failed too, its message ends in a note naming them: fix those first.
"""

from __future__ import annotations

import re

from kata.course import Exercise
from kata.dev.submissions import Submission
from kata.results import PASSED, CheckResult

_IMPORT = re.compile(r"""earlier\(\s*["']?(\d+)["']?\s*\)""")
ATTRIBUTED = "This comes from your"


def builds_on(sub: Submission, ex: Exercise, exercises: list[Exercise]) -> list[str]:
    """The exercise numbers `ex`'s file in `sub` imports with `earlier`, directly or through them."""
    by_id = {e.id: e for e in exercises}
    seen: set[str] = set()
    todo = [ex]
    while todo:
        current = todo.pop()
        for number in _imports(sub, current):
            if number not in seen and number in by_id and int(number) < int(ex.id):
                seen.add(number)
                todo.append(by_id[number])
    return sorted(seen)


def _imports(sub: Submission, ex: Exercise) -> list[str]:
    from kata.learner_source import learner_source

    path = sub.file_for(ex)
    text = learner_source(path) if path is not None else None
    return [f"{int(n):02d}" for n in _IMPORT.findall(text or "")]


def note_dependencies(sub: Submission, exercises: list[Exercise], results: list[CheckResult]) -> None:
    """Rule (b): each failed result not already attributed gets a note naming the failed exercises it
    builds on. In place; results of exercises that use no `earlier` are left as they are."""
    failed = {r.id for r in results if r.status != PASSED}
    by_id = {e.id: e for e in exercises}
    for result in results:
        ex = by_id.get(result.id)
        if ex is None or result.status == PASSED or _attributed(result):
            continue
        broken = [n for n in builds_on(sub, ex, exercises) if n in failed]
        if broken:
            names = ", ".join(broken)
            note = (f"note: {ex.id} builds on your {names}, which failed too; this failure may be "
                    f"{'theirs' if len(broken) > 1 else 'its'}: fix {names} first.")
            result.message = f"{result.message}\n{note}" if result.message else note


def _attributed(result: CheckResult) -> bool:
    return ATTRIBUTED in result.message or any(ATTRIBUTED in s.message for s in result.steps)
