"""`kata verify`: proves a course checks itself.

Every stub must import and fail its checks (by a wrong answer or
NotImplementedError, never by a syntax or import error), every solution must
pass, and the manifest must be consistent: no stray or missing files, a hint
for every exercise. Returns findings; never prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from kata.course import Course, Exercise, stray_files
from kata.engine import CheckRequest, Engine
from kata.results import ERROR, FAILED, PASSED, CheckResult


@dataclass
class ExerciseVerdict:
    exercise: Exercise
    stub: CheckResult | None = None
    solution: CheckResult | None = None
    problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {
            "id": self.exercise.id,
            "name": self.exercise.name,
            "ok": self.ok,
            "problems": self.problems,
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

    @property
    def ok(self) -> bool:
        return not self.course_problems and all(v.ok for v in self.exercises)

    def to_json(self) -> dict:
        return {
            "course": self.course.name,
            "ok": self.ok,
            "problems": self.course_problems,
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


def verify_exercise(engine: Engine, ex: Exercise) -> ExerciseVerdict:
    started = time.monotonic()
    verdict = ExerciseVerdict(ex)
    if not ex.hints:
        verdict.problems.append(f"{ex.id} {ex.name} has no hints: add `hints = [...]` to its kata.toml entry.")
    verdict.solution = engine.check(CheckRequest(ex, ex.solution, f"solutions/{ex.filename}"))
    if verdict.solution.status != PASSED:
        failure = verdict.solution.first_failure()
        detail = f"step {failure.index} ({failure.title}): {failure.message}" if failure else verdict.solution.message
        verdict.problems.append(f"the solution does not pass ({verdict.solution.status}): {detail}")
    verdict.stub = engine.check(CheckRequest(ex, ex.stub, f"exercises/{ex.filename}"))
    stub = verdict.stub
    if stub.status == PASSED:
        verdict.problems.append("the stub passes every check: the checks cannot tell a TODO from an answer.")
    elif stub.status != FAILED:
        failure = stub.first_failure()
        detail = failure.message if failure else stub.message
        if stub.status == ERROR:
            verdict.problems.append(f"the stub does not import cleanly: {detail}")
        else:
            verdict.problems.append(f"the stub should fail by a wrong answer, but it {stub.status}: {detail}")
    verdict.duration_s = time.monotonic() - started
    return verdict


def verify_course(engine: Engine, course: Course, exercises: list[Exercise] | None = None,
                  on_verdict: Callable[[ExerciseVerdict], None] | None = None) -> CourseVerdict:
    started = time.monotonic()
    result = CourseVerdict(course, course_problems=manifest_problems(course))
    for ex in exercises or list(course.exercises):
        verdict = verify_exercise(engine, ex)
        result.exercises.append(verdict)
        if on_verdict is not None:
            on_verdict(verdict)
    result.duration_s = time.monotonic() - started
    return result
