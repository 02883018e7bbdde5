"""`kata verify`: proves a course checks itself, so it can run in the course's CI.

For every exercise:
- the solution passes, with seed 0 and with `seeds` more seeds; a step whose
  outcome changes with the seed is flaky;
- the solution's checks fit the exercise's time budget (`budget` in kata.toml);
- the stub imports cleanly and fails by NotImplementedError or a wrong answer,
  never by a syntax or import error, a hang or a crash;
- every step fails on the stub on its own: one that passes would pass on an
  empty stub by accident (`stub_may_pass` in kata.toml names deliberate ones);
- the stub defines every name the checks use;
- nothing is left of a `kata new` scaffold, and every exercise has real hints;
- the mistake catalogue's entries hold, where the course has one.

And for the course: no stray files. Returns findings; never prints.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable

from kata.course import Course, Exercise, step_names, stray_files
from kata.engine import CheckRequest, Engine
from kata.engine.supervisor import checks_could_not_run
from kata.dev.pool import run_all
from kata.results import ERROR, FAILED, PASSED, SKIPPED, CheckResult

DEFAULT_SEEDS = 1  # extra seeds the solution is re-run with; see docs/authoring.md for the cost
_MISSING_NAME = re.compile(r"module 'kata_target_[^']*' has no attribute '([^']+)'")


@dataclass
class ExerciseVerdict:
    exercise: Exercise
    stub: CheckResult | None = None
    solution: CheckResult | None = None
    reruns: list[CheckResult] = field(default_factory=list)  # the solution with seeds 1, 2, …
    problems: list[str] = field(default_factory=list)
    flaky_steps: list[str] = field(default_factory=list)
    stub_passing_steps: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def solution_s(self) -> float:
        """The fastest of the solution's runs: the least disturbed by whatever else the machine does."""
        runs = [r for r in (self.solution, *self.reruns) if r is not None]
        return min((r.duration_s for r in runs), default=0.0)

    def to_json(self) -> dict:
        return {
            "id": self.exercise.id,
            "name": self.exercise.name,
            "ok": self.ok,
            "problems": self.problems,
            "flaky_steps": self.flaky_steps,
            "stub_passing_steps": self.stub_passing_steps,
            "solution_s": round(self.solution_s, 3),
            "budget_s": self.exercise.budget,
            "seeds": list(range(len(self.reruns) + 1)) if self.solution else [],
            "stub": self.stub.to_json() if self.stub else None,
            "solution": self.solution.to_json() if self.solution else None,
            "duration_s": round(self.duration_s, 3),
        }


@dataclass
class CourseVerdict:
    course: Course
    exercises: list[ExerciseVerdict] = field(default_factory=list)
    course_problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    seeds: int = DEFAULT_SEEDS

    @property
    def ok(self) -> bool:
        return not self.course_problems and all(v.ok for v in self.exercises)

    def to_json(self) -> dict:
        return {
            "course": self.course.name,
            "ok": self.ok,
            "problems": self.course_problems,
            "extra_seeds": self.seeds,
            "exercises": [v.to_json() for v in self.exercises],
            "duration_s": round(self.duration_s, 3),
        }


def manifest_problems(course: Course) -> list[str]:
    problems = [
        f"{path.relative_to(course.root)} belongs to no exercise in kata.toml: add an entry for it, "
        "rename it to NN_name.py to match one, or delete it."
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


def _detail(result: CheckResult) -> str:
    failure = result.first_failure()
    return f"step {failure.index} ({failure.title}): {failure.message}" if failure else result.message


def solution_problems(verdict: ExerciseVerdict) -> list[str]:
    ex, solution = verdict.exercise, verdict.solution
    if solution.status != PASSED:
        return [f"the solution does not pass ({solution.status}): {_detail(solution)}"]
    problems = []
    for seed, rerun in enumerate(verdict.reruns, start=1):
        if rerun.status == PASSED:
            continue
        failing = [s for s in rerun.steps if s.outcome not in (PASSED, SKIPPED)] or [None]
        for step in failing:
            name = step.name if step else "(the whole run)"
            if name in verdict.flaky_steps:
                continue
            verdict.flaky_steps.append(name)
            what = f"step {step.index} ({step.title})" if step else "the run"
            problems.append(
                f"{what} is flaky: it passes with seed 0 but is {step.outcome if step else rerun.status} "
                f"with seed {seed}: {step.message if step else rerun.message}\n"
                "Make the check independent of randomness (fixed inputs, or tolerances that hold for any seed).")
    if verdict.solution_s > ex.budget:
        problems.append(
            f"the solution's checks take {verdict.solution_s:.2f} s, over this exercise's budget of "
            f"{ex.budget:g} s: make the checks cheaper (smaller tensors, fewer epochs), or raise "
            f"`budget` in its kata.toml entry.")
    return problems


def stub_problems(verdict: ExerciseVerdict) -> list[str]:
    ex, stub = verdict.exercise, verdict.stub
    if stub.status == PASSED:
        return ["the stub passes every check: the checks cannot tell a TODO from an answer."]
    if stub.status == ERROR:
        return [f"the stub does not import cleanly: {_detail(stub)}\n"
                "A stub must import; its TODOs raise NotImplementedError."]
    if stub.status != FAILED:
        how = {"timeout": "timed out", "crashed": "crashed"}.get(stub.status, f"ended with {stub.status}")
        return [f"the stub should fail by NotImplementedError or a wrong answer, but it {how}: {_detail(stub)}"]
    problems = []
    known = {name for name, _ in step_names(ex.checks)}
    for name in ex.stub_may_pass:
        if name not in known:
            problems.append(f"stub_may_pass names {name!r}, which is not a step of "
                            f"{ex.checks.relative_to(ex.root)}: fix the name in kata.toml.")
    missing: set[str] = set()
    for step in stub.steps:
        if step.outcome == PASSED and step.name not in ex.stub_may_pass:
            verdict.stub_passing_steps.append(step.name)
            problems.append(
                f"step {step.index} ({step.title}) passes on the stub, so it passes without the learner "
                "writing anything: make it test the learner's work, or, if that is deliberate, "
                f"add `stub_may_pass = [\"{step.name}\"]` to the exercise's kata.toml entry.")
        match = _MISSING_NAME.search(step.message)
        if match:
            missing.add(match.group(1))
    for name in sorted(missing):
        problems.append(f"the stub does not define `{name}`, which the checks use: give the stub `{name}` "
                        "with the solution's signature, raising NotImplementedError.")
    return problems


def mistake_problems(engine: Engine, ex: Exercise) -> list[str]:
    """The mistake catalogue's own verdict (issue 5), where this kata has one."""
    try:
        from kata.dev.mistakes import verify_mistakes
    except ImportError:
        return []
    return list(verify_mistakes(engine, ex))


def verify_exercise(engine: Engine, ex: Exercise, seeds: int = DEFAULT_SEEDS) -> ExerciseVerdict:
    started = time.monotonic()
    verdict = ExerciseVerdict(ex)
    verdict.problems.extend(authoring_problems(ex))
    verdict.solution = engine.check(CheckRequest(ex, ex.solution, f"solutions/{ex.filename}"))
    if checks_could_not_run(verdict.solution):  # one problem, said once: stub and mistakes would repeat it
        verdict.problems.append(f"{ex.checks.relative_to(ex.root)} cannot run: {verdict.solution.message}")
        verdict.duration_s = time.monotonic() - started
        return verdict
    if verdict.solution.status == PASSED:
        for seed in range(1, seeds + 1):
            verdict.reruns.append(engine.check(CheckRequest(ex, ex.solution, f"solutions/{ex.filename}", seed)))
    verdict.problems.extend(solution_problems(verdict))
    verdict.stub = engine.check(CheckRequest(ex, ex.stub, f"exercises/{ex.filename}"))
    verdict.problems.extend(stub_problems(verdict))
    verdict.problems.extend(mistake_problems(engine, ex))
    verdict.duration_s = time.monotonic() - started
    return verdict


def verify_course(course: Course, exercises: list[Exercise] | None = None, seeds: int = DEFAULT_SEEDS,
                  jobs: int | None = None,
                  on_verdict: Callable[[ExerciseVerdict], None] | None = None) -> CourseVerdict:
    """Verify `exercises` (default: all) over `jobs` warm engines; `on_verdict` sees them in course order."""
    started = time.monotonic()
    result = CourseVerdict(course, course_problems=manifest_problems(course), seeds=seeds)
    chosen = exercises or list(course.exercises)
    result.exercises = run_all(
        chosen, lambda engine, ex: verify_exercise(engine, ex, seeds), jobs,
        on_result=(lambda _, verdict: on_verdict(verdict)) if on_verdict else None)
    result.duration_s = time.monotonic() - started
    return result
