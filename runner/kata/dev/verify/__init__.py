"""`kata verify`: proves a course checks itself, so it can run in the course's CI.

For every exercise:
- the solution passes, twice with seed 0 and once with each of `seeds` more
  seeds; a step whose outcome changes with the seed is flaky, one whose outcome
  changes at the same seed uses randomness kata does not seed;
- the solution's checks fit the exercise's time budget (`budget` in kata.toml),
  and when they do not, the slowest steps are named;
- the stub imports cleanly and fails by NotImplementedError or a wrong answer,
  never by a syntax or import error, a hang or a crash;
- every step fails on the stub on its own: one that passes would pass on an
  empty stub by accident (`stub_may_pass` in kata.toml names deliberate ones);
- the stub defines every name the checks use;
- nothing is left of a `kata new` scaffold, and every exercise has real hints;
- the mistake catalogue's entries hold, where the course has one;
- every catalogued mistake's first failure points at the function its `# breaks:` names
  (`pointing`): the pointer's accuracy, per exercise and for the course (below 95% fails only
  with `strict`);
- its hidden checks (`hidden/`, run only by `kata grade`) pass on the solution and fail on the stub
  (`hidden_checks`);
- every step fails on some wrong answer: a few mutants of the solution
  (`mutants.py`) run through the checks, and a step that no mutant and no
  catalogued mistake fails cannot tell a wrong answer from a right one. Each
  exercise gets a mutation score, killed/total mutants.

And for the course: no stray files. Returns findings; never prints.

The parts: `verdicts` (what it finds), `pointing` (the pointer's accuracy), `authoring`, `solution`, `stub`, `mutant_runs` and `judged`
(one concern each); this module runs them in order, exercise by exercise, over a pool of warm
engines.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

from kata.course import Course, Exercise
from kata.dev.mutants import MAX_MUTANTS
from kata.dev.mistakes.catalogue import judge, run_mistakes
from kata.dev.verify.authoring import authoring_problems, manifest_problems
from kata.dev.verify.hidden_checks import hidden_check_problems
from kata.dev.verify.judged import judged_problems
from kata.dev.verify.mutant_runs import run_mutants, unfailable_problems
from kata.dev.verify.pointing import pointed
from kata.dev.verify.readable import readability_warnings
from kata.dev.verify.solution import determinism_problems, solution_problems
from kata.dev.verify.stub import stub_problems
from kata.dev.verify.verdicts import DEFAULT_SEEDS, CourseVerdict, ExerciseVerdict
from kata.engine import CheckRequest, Engine
from kata.engine.pool import run_all
from kata.engine.supervisor import checks_could_not_run
from kata.results import PASSED

__all__ = ["DEFAULT_SEEDS", "CourseVerdict", "ExerciseVerdict", "verify_course", "verify_exercise", "warmed"]


def mistake_runs(engine: Engine, ex: Exercise) -> tuple[list[tuple], list[str]]:
    """The mistake catalogue's runs and its verdict (issue 5), where this kata has one."""
    runs = run_mistakes(engine, ex)  # a patch that no longer applies has no run, only its problem
    return ([(mistake, result) for mistake, result in runs if result is not None],
            [problem for mistake, result in runs if (problem := judge(mistake, result))])


def warmed(ex: Exercise) -> Exercise:
    """`ex` with numpy added to what the warm worker preloads: kata's failure messages import it to
    diagnose a wrong answer, and verify fails many runs on purpose (stub, mistakes, mutants). Imported
    once in the worker instead of in each failing child, a plain-Python exercise's failing run takes a
    third of the time. A passing solution never imports it, so its time against the budget is unchanged."""
    from kata.engine.client import imported_libraries
    from kata.preload import FIRST_CALL

    found = imported_libraries(ex.checks, ex.stub, ex.solution)
    libraries = (set(ex.preload) or found) | (found & FIRST_CALL.keys())
    return dataclasses.replace(ex, preload=tuple(sorted(libraries | {"numpy"})))


def verify_exercise(engine: Engine, ex: Exercise, seeds: int = DEFAULT_SEEDS,
                    mutants: int = MAX_MUTANTS, strict: bool = False, judged: bool = False) -> ExerciseVerdict:
    started = time.monotonic()
    ex = warmed(ex)
    verdict = ExerciseVerdict(ex)
    verdict.problems.extend(authoring_problems(ex))
    label = f"solutions/{ex.filename}"
    solution = verdict.solution = engine.check(CheckRequest(ex, ex.solution, label))
    if checks_could_not_run(solution):  # one problem, said once: stub and mistakes would repeat it
        verdict.problems.append(f"{ex.checks.relative_to(ex.root)} cannot run: {solution.message}")
        verdict.duration_s = time.monotonic() - started
        return verdict
    repeat = verdict.repeat = engine.check(CheckRequest(ex, ex.solution, label))
    verdict.problems.extend(determinism_problems(verdict))
    if solution.status == PASSED and repeat.status == PASSED:
        for seed in range(1, seeds + 1):
            verdict.reruns.append(engine.check(CheckRequest(ex, ex.solution, label, seed)))
    verdict.problems.extend(solution_problems(verdict, solution, engine))
    verdict.stub = engine.check(CheckRequest(ex, ex.stub, f"exercises/{ex.filename}"))
    verdict.problems.extend(stub_problems(verdict, verdict.stub))
    verdict.problems.extend(hidden_check_problems(engine, ex, judged))
    runs, problems = mistake_runs(engine, ex)
    verdict.problems.extend(problems)
    verdict.pointed = pointed(runs)
    (verdict.problems if strict else verdict.warnings).extend(readability_warnings(runs))
    if solution.status == PASSED and repeat.status == PASSED and mutants > 0:
        # Mutants reach what they reach: a step only a subtler wrong answer fails is a warning, not a failure.
        unfailable = unfailable_problems(verdict, solution, run_mutants(engine, verdict, solution, runs, mutants))
        (verdict.problems if strict else verdict.warnings).extend(unfailable)
    if judged:
        verdict.problems.extend(judged_problems(engine, verdict, runs))
    verdict.duration_s = time.monotonic() - started
    return verdict


def verify_course(course: Course, exercises: list[Exercise] | None = None, seeds: int = DEFAULT_SEEDS,
                  jobs: int | None = None,
                  on_verdict: Callable[[ExerciseVerdict], None] | None = None,
                  mutants: int = MAX_MUTANTS, strict: bool = False, judged: bool = False) -> CourseVerdict:
    """Verify `exercises` (default: all) over `jobs` warm engines; `on_verdict` sees them in course order."""
    started = time.monotonic()
    result = CourseVerdict(course, course_problems=manifest_problems(course), seeds=seeds, strict=strict)
    chosen = exercises or list(course.exercises)
    result.exercises = run_all(
        chosen, lambda engine, ex: verify_exercise(engine, ex, seeds, mutants, strict, judged), jobs,
        on_result=(lambda _, verdict: on_verdict(verdict)) if on_verdict else None)
    result.duration_s = time.monotonic() - started
    return result
