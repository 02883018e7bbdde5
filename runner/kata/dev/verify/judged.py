"""The same runs again in judged mode, as `kata grade` makes them: a step whose verdict differs relies
on something that does not cross to the trusted judge.
"""

from __future__ import annotations

from kata.dev.mistakes.catalogue import judge
from kata.dev.verify.verdicts import ExerciseVerdict
from kata.engine import CheckRequest, Engine


def judged_problems(engine: Engine, verdict: ExerciseVerdict, mistakes: list[tuple]) -> list[str]:
    """The solution, the stub and every catalogued mistake again in judged mode (as `kata grade` runs them):
    a step whose verdict differs relies on something that does not cross to the trusted judge."""
    ex = verdict.exercise
    targets = [("the solution", ex.solution, verdict.solution, False), ("the stub", ex.stub, verdict.stub, False)]
    targets += [(f"mistake {m.path.name}", m.file, result, True) for m, result in mistakes]
    problems = []
    for what, path, local, first_only in targets:
        if local is None:
            continue
        judged = engine.check(CheckRequest(ex, path, f"{what} (judged)", first_failure_only=first_only, judged=True))
        mine, theirs = local.first_failure(), judged.first_failure()
        if local.status == judged.status and (mine is None) == (theirs is None) and (
                mine is None or theirs is None or mine.index == theirs.index):
            if first_only and theirs is not None:
                mistake = next(m for m, _ in mistakes if m.file == path)
                missed = judge(mistake, judged)
                if missed:
                    problems.append(f"graded (judged mode), {missed}")
            continue
        step = theirs or mine
        where = f"step {step.index} ({step.title})" if step else "the run"
        told = (theirs.message if theirs and theirs.message else judged.message).strip()
        why = told.splitlines()[-1] if told else judged.status  # the error itself, after the frames
        problems.append(f"{where} gives {what} another verdict when graded: {local.status} locally, "
                        f"{judged.status} in judged mode ({why}). The check relies on something that does not "
                        "cross to kata grade's trusted judge; see \"Checks that hold in kata grade\" in "
                        "docs/authoring.md.")
    return problems
