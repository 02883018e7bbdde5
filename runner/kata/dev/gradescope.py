"""`kata grade SUB --gradescope FILE`: one submission's verdict as Gradescope's `results.json`.

Gradescope's autograder spec (gradescope-autograders.readthedocs.io, "Autograder Specifications")
reads a top-level `score`, an `output` and a list of `tests`, each with `name`, `score`,
`max_score`, `output` and `visibility`. Why one test per exercise, not per step: an exercise's
points are not always a sum over its steps (`all_or_nothing`, weights), and a test per exercise
makes the tests add up to exactly the score every other output of `kata grade` gives
(kata.dev.scoring).

What a student sees is `kata.dev.hidden.student_view`, as on the feedback pages: a hidden step's
outcome and (where the course allows) its title, never its message or what the code printed during
it. The top-level output says which isolation the learner's code ran under, so a grade made without
a sandbox says so where the instructor reads it.
"""

from __future__ import annotations

import json

from kata.course import Exercise
from kata.dev.feedback_pages import MAX_MESSAGE, MAX_OUTPUT, cap, first_failure, has_hidden, mark, printed
from kata.dev.grade import MISSING, Gradebook, Row
from kata.dev.gradebook import points, relative
from kata.dev.hidden import student_view
from kata.dev.scoring import exercise_points
from kata.errors import KataError
from kata.results import CheckResult

VISIBLE = "visible"  # Gradescope's visibilities: hidden, after_due_date, after_published, visible


def exercise_output(book: Gradebook, row: Row, ex: Exercise, graded: CheckResult) -> str:
    """A test's text: each step with ✓/✗/·, the first failure, what the code printed (visible steps, capped)."""
    if row.status_of(graded) == MISSING:
        return "No file was handed in for this exercise."
    shown = student_view(ex, graded)
    lines = [f"{mark(step)[0]} {step.title or step.name}" for step in shown.steps]
    if has_hidden(ex, graded):
        lines.append("(some checks are hidden: only whether they passed is shown)")
    failure, message = first_failure(ex, graded, shown)
    if message:
        where = f"step {failure.index}: {failure.title or failure.name}" if failure is not None else graded.status
        lines += ["", f"First failure, {where}", cap(relative(book, message), MAX_MESSAGE)]
    said = printed(ex, graded)
    if said:
        lines += ["", "What your code printed:", cap(said, MAX_OUTPUT)]
    return "\n".join(lines)


def results(book: Gradebook, row: Row) -> dict:
    """results.json's object for one submission."""
    by_name = {ex.name: ex for ex in book.exercises}
    tests = []
    for graded in row.results:
        ex = by_name.get(graded.name)
        if ex is None:
            continue
        earned = exercise_points(ex, graded)
        tests.append({"name": f"{ex.id} {ex.title or ex.name}", "number": str(int(ex.id)),
                      "score": round(earned.earned, 2), "max_score": round(earned.maximum, 2),
                      "output": exercise_output(book, row, ex, graded), "visibility": VISIBLE})
    total = points(book, row)
    return {"score": round(total.earned, 2), "output": f"Graded by kata. Isolation: {row.isolation}.",
            "visibility": VISIBLE, "stdout_visibility": "hidden", "tests": tests}


def to_results_json(book: Gradebook) -> str:
    """The JSON Gradescope reads. Gradescope grades one submission at a time, so the book must hold one."""
    if len(book.rows) != 1:
        raise KataError(f"--gradescope writes one submission's results, and {len(book.rows)} were graded.",
                        "Give one submission (a folder of NN_name.py files, or one .py), as Gradescope does.")
    return json.dumps(results(book, book.rows[0]), indent=2) + "\n"
