"""Every step fails on some wrong answer: the solution's mutants (`kata.dev.mutants`) through the checks.

A step that no mutant and no catalogued mistake fails cannot tell a wrong answer from a right
one; each exercise gets a mutation score, killed/total mutants.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from kata.course import step_names
from kata.dev import mutants as mutation
from kata.dev.verify.verdicts import ExerciseVerdict, MutantRun, step_label
from kata.engine import CheckRequest, Engine
from kata.results import NOT_RUN_CAUSES, PASSED, SKIPPED, CheckResult, StepResult


def _failed(step: StepResult) -> bool:
    """A step the target really failed: not one skipped or left unrun after an earlier failure."""
    return step.outcome not in (PASSED, SKIPPED) and step.cause not in NOT_RUN_CAUSES


# Mutants in a row that ran every step and failed none still open: after this many, the rest stop at
# their first failure (but transposing and changing an input, which reach other steps, still run them all).
STALE_RUNS = 3


def run_mutants(engine: Engine, verdict: ExerciseVerdict, solution: CheckResult, mistakes: list[tuple],
                limit: int = mutation.MAX_MUTANTS) -> dict[str, list[str]]:
    """Run the solution's mutants; returns, for every step, what fails it (mistakes and mutants).

    A kill needs only the first failure, but which steps fail needs every step: so a mutant runs
    every step while some step has not failed on anything yet (and the mutants before it keep
    failing new ones), and stops at its first failure once every step has. A run that went through every step also tells which run-time changes applied
    to the function's values: a later mutant whose change cannot apply (a transposed scalar) is
    not run, and not scored."""
    ex = verdict.exercise
    steps = [name for name, _ in step_names(ex.checks)]
    failed_by: dict[str, list[str]] = {name: [] for name in steps}
    for mistake, result in mistakes:
        failure = result.first_failure()
        if failure is not None and failure.name in failed_by:
            failed_by[failure.name].append(mistake.label)
    try:
        made = mutation.generate(ex.stub.read_text(encoding="utf-8"), ex.solution.read_text(encoding="utf-8"),
                                 limit)
    except (OSError, UnicodeDecodeError):
        made = []
    slowest = max((s.duration_s for s in solution.steps), default=0.0)
    # A mutant that loops forever is killed by its timeout: no need to wait the learner's whole limit.
    quick = dataclasses.replace(ex, timeout=min(ex.timeout, max(2.0, 5 * slowest + 1)))
    exempt = set(ex.stub_may_pass) | set(verdict.stub_passing_steps)
    learned: dict[str, set[str]] = {}  # function -> the run-time changes that applied to its values
    stale = 0
    with tempfile.TemporaryDirectory(prefix="kata-mutants-") as folder:
        for mutant, path, mark in mutation.write(made, Path(folder), ex.filename):
            if mutant.marks and mutant.where in learned and mutant.operator not in learned[mutant.where]:
                verdict.mutants.append(MutantRun(mutant.label, "not applicable", False))
                continue
            open_steps = {n for n in steps if not failed_by[n] and n not in exempt}
            full = bool(open_steps) and (stale < STALE_RUNS or mutant.operator in mutation.GUARDS)
            result = engine.check(CheckRequest(quick, path, f"mutant: {mutant.label}", first_failure_only=not full))
            kinds = mutation.applied(mark)
            if mutant.marks and (full or result.status == PASSED):
                learned.setdefault(mutant.where, set()).update(kinds)
            failed = [s.name for s in result.steps if _failed(s)]
            if full:
                stale = 0 if open_steps & set(failed) else stale + 1
            counted = result.status != PASSED or not mutant.marks or mutant.operator in kinds
            verdict.mutants.append(MutantRun(mutant.label, result.status, counted, failed, not full,
                                             result.duration_s))
            for name in failed:
                if name in failed_by:
                    failed_by[name].append(mutant.label)
    return failed_by


def unfailable_problems(verdict: ExerciseVerdict, solution: CheckResult,
                        failed_by: dict[str, list[str]]) -> list[str]:
    """One warning naming every step that nothing failed: no mutant, no catalogued mistake."""
    ex = verdict.exercise
    exempt = set(ex.stub_may_pass) | set(verdict.stub_passing_steps)
    titles = {s.name: s for s in solution.steps}
    steps = []
    for index, (name, title) in enumerate(step_names(ex.checks), start=1):
        if failed_by.get(name) or name in exempt:
            continue
        verdict.unfailable_steps.append(name)
        steps.append(titles.get(name) or StepResult(index, name, title))
    if not steps:
        return []
    tried = sum(1 for m in verdict.mutants if m.status != "not applicable")
    labels = [step_label(s) for s in steps]
    named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    one = len(steps) == 1
    return [
        f"{named} failed on no wrong answer: none of the {tried} mutant{'' if tried == 1 else 's'} of the solution "
        "(returning the input, zeros, a constant, the negated or transposed value, changing an input, dropping "
        f"a statement) and no catalogued mistake makes {'it' if one else 'them'} fail, so {'it' if one else 'they'} "
        f"may fail on the stub only because the stub raises. Make {'it' if one else 'them'} test the learner's "
        "values: compare what their code gives with a value you know (not with itself); if a step guards against "
        f"a subtler mistake, add that mistake to mistakes/{ex.id}_{ex.name}/ so verify sees the step fail."]
