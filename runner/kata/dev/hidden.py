"""Hidden checks: a course's `hidden/test_NN_name.py`, run only by `kata grade` and `kata verify`.

Why a folder of their own, beside `checks/`: what learners get is named folder by folder
(`kata init` writes only stubs; the wheel force-includes `kata.toml`, `exercises/`, `checks/`,
never `hidden/`; the Dask archive sends what grading needs), and the judge's sandbox masks every
`hidden/` next to a `kata.toml` (kata.judge.bwrap.COURSE_PARTS), so learner code cannot read them.

A hidden module runs as a second check run of the same exercise (the engine takes one check module
a run); its steps are appended to the visible ones, numbered after them, and score like them. What a
student may later be shown of them is `student_view`: the title where the course's `hidden_titles`
allows it, else only that a hidden check exists; never a hidden step's message or output.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from kata.course import Exercise, step_names
from kata.results import ERROR, PASSED, Cause, CheckResult, StepResult

HIDDEN_TITLE = "a hidden check"


def hidden_exercise(ex: Exercise) -> Exercise | None:
    """`ex` pointed at its hidden check module, or None when it has none."""
    return dataclasses.replace(ex, checks_file=ex.hidden) if ex.checks_file is None and ex.hidden.is_file() else None


@functools.lru_cache(maxsize=256)
def _names(path: Path, mtime_ns: int) -> tuple[tuple[str, str], ...]:
    return tuple(step_names(path))


def hidden_step_names(ex: Exercise) -> list[tuple[str, str]]:
    """The hidden module's steps (name, title), in file order; [] when there is none."""
    try:
        return list(_names(ex.hidden, ex.hidden.stat().st_mtime_ns))
    except OSError:
        return []


def all_step_names(ex: Exercise) -> list[tuple[str, str]]:
    """Every step a grade of `ex` reports: the visible ones, then the hidden ones."""
    return step_names(ex.checks) + hidden_step_names(ex)


def merge(visible: CheckResult, hidden: CheckResult) -> CheckResult:
    """One verdict: the visible run's steps, then the hidden run's, renumbered after them. The status is the
    visible run's unless that passed; a run-level message likewise comes from the first run that has one."""
    offset = len(visible.steps)
    steps = list(visible.steps) + [dataclasses.replace(s, index=s.index + offset) for s in hidden.steps]
    status = visible.status if visible.status != PASSED else hidden.status
    return dataclasses.replace(
        visible, steps=steps, status=status, duration_s=visible.duration_s + hidden.duration_s,
        message=visible.message or hidden.message, output=visible.output or hidden.output,
        cause=visible.cause or hidden.cause,
        isolation=visible.isolation or hidden.isolation, limits=visible.limits or hidden.limits,
        integrity=visible.integrity + [why for why in hidden.integrity if why not in visible.integrity])


def not_run(ex: Exercise, visible: CheckResult, why: str) -> CheckResult:
    """The hidden steps of a run that did not happen (the file does not import, it timed out), as `not run`."""
    offset = len(visible.steps)
    steps = [StepResult(index=offset + i, name=n, title=t, outcome=ERROR, message=f"not run: {why}",
                        cause=Cause.NOT_RUN) for i, (n, t) in enumerate(hidden_step_names(ex), start=1)]
    return dataclasses.replace(visible, steps=list(visible.steps) + steps)


def skip_hidden(visible: CheckResult) -> str:
    """Why the hidden run is not worth making after `visible`, or "" when it is: a file that does not import
    would only fail the same way again, at the cost of another run (another time-out, for a hang)."""
    first = visible.steps[0] if visible.steps else None
    if first is not None and first.cause == Cause.DOES_NOT_IMPORT:
        return "the file does not import (see step 1)"
    return ""


def _base(step: str) -> str:
    return step.split("[", 1)[0]


def is_hidden(ex: Exercise, step: StepResult) -> bool:
    """Whether `step` of a graded verdict on `ex` is a hidden one (names never repeat across the two modules:
    `hidden_problems`)."""
    return _base(step.name) in {name for name, _ in hidden_step_names(ex)}


def hidden_problems(ex: Exercise) -> list[str]:
    """What is wrong with `ex`'s hidden checks and weights before any run: a hidden step named as a visible one
    (a student would be shown its message as a visible step's), a weight for a step that does not exist."""
    from kata.dev.scoring import unknown_weights

    visible = {name for name, _ in step_names(ex.checks)}
    hidden = {name for name, _ in hidden_step_names(ex)}
    problems = [f"{ex.hidden.relative_to(ex.root)} defines {name}, which {ex.checks.relative_to(ex.root)} defines too: "
                "rename the hidden step (hidden and visible steps are told apart by name)."
                for name in sorted(visible & hidden)]
    problems += [f"kata.toml, exercise {ex.id} ({ex.name}): weights names {name!r}, which is not a step of its "
                 "checks or hidden checks: fix the name (a step left out weighs 1)."
                 for name in unknown_weights(ex, visible | hidden)]
    problems += [f"kata.toml, exercise {ex.id} ({ex.name}): hidden_titles names {name!r}, which is not a hidden "
                 "step: fix the name." for name in ex.marking.hidden_titles if name != "*" and name not in hidden]
    return problems


def student_view(ex: Exercise, result: CheckResult) -> CheckResult:
    """`result` as a student may see it: each hidden step's outcome, its title only where the course's
    `hidden_titles` shows it, and never its message, picture or output (they carry the check's data)."""
    steps = []
    for step in result.steps:
        if is_hidden(ex, step):
            title = step.title if ex.marking.title_shown(step.name) else HIDDEN_TITLE
            name = step.name if ex.marking.title_shown(step.name) else f"hidden_{step.index}"
            step = StepResult(index=step.index, name=name, title=title, outcome=step.outcome,
                              message="" if step.passed else "a hidden check did not pass", cause=step.cause)
        steps.append(step)
    return dataclasses.replace(result, steps=steps)
