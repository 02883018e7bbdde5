"""`kata export github-classroom`: a workflow that grades a student's repository on every push and reports
points to GitHub Classroom.

Why one runner per exercise: GitHub Classroom's autograding takes points from
`classroom-resources/autograding-command-grader` steps, each worth its `max-score` when its command exits 0,
else 0, and `autograding-grading-reporter` adds them up. So each exercise is one step,
`kata grade . --course COURSE -e ID`, which exits 0 only when the exercise passes every check: Classroom
shows all-or-nothing points per exercise (partial credit, weights and hidden checks are for `kata grade`
and Gradescope). An exercise's `max-score` is its `points`, or one per visible step.

What it cannot guarantee, said in the workflow and in docs/grading.md: the student controls the repository,
workflow included, so they can edit it to report full marks; and hidden checks cannot run there without
shipping them to the student. Marks that must hold come from `kata grade` or the Gradescope autograder.
"""

from __future__ import annotations

import json
from pathlib import Path

from kata.course import Course, step_names

WORKFLOW = Path(".github") / "workflows" / "classroom.yml"

HEAD = """# Written by `kata export github-classroom` for the course {title}.
# Grades each exercise on every push and reports points to GitHub Classroom (all or nothing per exercise).
# The student controls this repository, this file included: these marks are feedback, not proof.
# Hidden checks never run here. For marks that must hold, grade with `kata grade` or the Gradescope autograder.
name: Autograding Tests
"on": [push, repository_dispatch, workflow_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install bubblewrap and kata
        run: |
          sudo apt-get update && sudo apt-get install -y bubblewrap
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true
          python -m pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu
          python -m pip install {install}
"""

RUNNER = """      - name: {label}
        id: {step_id}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: {label}
          setup-command: ""
          command: {command}
          timeout: {minutes}
          max-score: {max_score}
"""


def _max_score(course: Course, ex_name: str) -> int:
    ex = next(ex for ex in course.exercises if ex.name == ex_name)
    if ex.marking.points is not None:
        return max(0, round(ex.marking.points))  # Classroom's max-score is a whole number
    return len(step_names(ex.checks))


def workflow(course: Course, grade_course: str, install: str) -> str:
    """The workflow's text. `grade_course` is what `--course` names on the runner (an installed course's
    name, or `bundled`): never the repository's own folder, whose kata.toml the student could write."""
    steps, ids = [], []
    for ex in course.exercises:
        step_id = f"ex{ex.id}"
        ids.append(step_id)
        command = f"kata grade . --course {grade_course} -e {ex.id} --require-sandbox"
        steps.append(RUNNER.format(label=json.dumps(f"{ex.id} {ex.name}"), step_id=step_id,
                                   command=json.dumps(command), minutes=10, max_score=_max_score(course, ex.name)))
    env = "".join(f"          {i.upper()}_RESULTS: \"${{{{steps.{i}.outputs.result}}}}\"\n" for i in ids)
    reporter = ("      - name: Autograding Reporter\n"
                "        uses: classroom-resources/autograding-grading-reporter@v1\n"
                "        env:\n" + env +
                "        with:\n"
                f"          runners: {','.join(ids)}\n")
    return HEAD.format(title=json.dumps(course.title or course.name), install=install) + "".join(steps) + reporter


def write_workflow(course: Course, out: Path, grade_course: str, install: str) -> Path:
    """Writes `.github/workflows/classroom.yml` under `out` (a template repository's root); its path."""
    path = out / WORKFLOW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workflow(course, grade_course, install), encoding="utf-8")
    return path
