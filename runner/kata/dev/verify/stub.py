"""The stub's run: it imports, fails by NotImplementedError or a wrong answer (never a hang or a
crash), fails every step on its own (or names the steps it may pass), and defines every name the
checks use.
"""

from __future__ import annotations

import re

from kata.course import Exercise, step_names
from kata.dev.mutants.learner import returning_todos
from kata.dev.verify.verdicts import ExerciseVerdict, detail, step_label
from kata.results import ERROR, FAILED, PASSED, CheckResult

# how a step tells a name the learner's file lacks (kata.feedback.failures), or Python's own words for it
_MISSING_NAME = re.compile(r"your file has no `(\w+)`|module 'kata_target_[^']*' has no attribute '([^']+)'")


def _returning_todos(ex: Exercise) -> list[str]:
    try:
        return returning_todos(ex.stub.read_text(encoding="utf-8"), ex.solution.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []


def _returns_first(ex: Exercise) -> str:
    names = _returning_todos(ex)
    if not names:
        return ""
    listed = ", ".join(f"`{n}`" for n in names)
    return (f"the stub's {listed} {'returns a value' if len(names) == 1 else 'return values'} instead of raising "
            f"NotImplementedError, so the checks see an answer where the learner has written nothing: make "
            f"{'its' if len(names) == 1 else 'each'} TODO `raise NotImplementedError(\"<what to write>\")`. ")


def stub_problems(verdict: ExerciseVerdict, stub: CheckResult) -> list[str]:
    """What `stub` (the verdict's run of the stub) says about the stub; notes the steps it passes."""
    ex = verdict.exercise
    if stub.status == PASSED:
        return [_returns_first(ex) + "The stub passes every check: the checks cannot tell a TODO from an answer."]
    if stub.status == ERROR:
        return [f"the stub does not import cleanly: {detail(stub)}\n"
                "A stub must import; its TODOs raise NotImplementedError."]
    if stub.status != FAILED:
        how = {"timeout": "timed out", "crashed": "crashed"}.get(stub.status, f"ended with {stub.status}")
        return [f"the stub should fail by NotImplementedError or a wrong answer, but it {how}: {detail(stub)}"]
    problems = []
    known = {name for name, _ in step_names(ex.checks)}
    for name in ex.stub_may_pass:
        if name not in known:
            problems.append(f"stub_may_pass names {name!r}, which is not a step of "
                            f"{ex.checks.relative_to(ex.root)}: fix the name in kata.toml.")
    missing: set[str] = set()
    returning = None
    for step in stub.steps:
        if step.outcome == PASSED and step.name not in ex.stub_may_pass:
            verdict.stub_passing_steps.append(step.name)
            if returning is None:
                returning = _returns_first(ex)
                if returning:
                    problems.append(returning.rstrip())
            problems.append(
                f"{step_label(step)} passes on the stub, so it passes without the learner "
                "writing anything: make it test the learner's work, or, if that is deliberate, "
                f"add `stub_may_pass = [\"{step.name}\"]` to the exercise's kata.toml entry.")
        match = _MISSING_NAME.search(step.message)
        if match:
            missing.add(match.group(1) or match.group(2))
    for name in sorted(missing):
        problems.append(f"the stub does not define `{name}`, which the checks use: give the stub `{name}` "
                        "with the solution's signature, raising NotImplementedError.")
    return problems
