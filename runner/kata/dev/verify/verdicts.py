"""What `kata verify` finds: one verdict per exercise (runs, problems, warnings, mutants), one for the course.

Each verdict turns into the `--json` shape with `to_json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kata.course import Course, Exercise
from kata.dev.verify.pointing import THRESHOLD, Pointed, accuracy
from kata.results import PASSED, CheckResult, StepResult

DEFAULT_SEEDS = 1  # extra seeds the solution is re-run with; see docs/authoring.md for the cost


@dataclass
class MutantRun:
    """One mutant of the solution through the checks: killed when any step failed."""

    label: str
    status: str
    counted: bool  # False: its value mutation changed nothing (a transposed scalar), so it is not scored
    failed_steps: list[str] = field(default_factory=list)
    first_failure_only: bool = False  # stopped at its first failure: every step was already proven
    duration_s: float = 0.0

    @property
    def killed(self) -> bool:
        return self.status != PASSED

    def to_json(self) -> dict:
        return {"mutant": self.label, "killed": self.killed, "status": self.status, "counted": self.counted,
                "failed_steps": self.failed_steps, "first_failure_only": self.first_failure_only,
                "duration_s": round(self.duration_s, 3)}


@dataclass
class ExerciseVerdict:
    exercise: Exercise
    stub: CheckResult | None = None
    solution: CheckResult | None = None
    repeat: CheckResult | None = None  # the solution with seed 0 again: the same seed must give the same verdict
    reruns: list[CheckResult] = field(default_factory=list)  # the solution with seeds 1, 2, …
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # worth a look, but not failing verify (unless strict)
    flaky_steps: list[str] = field(default_factory=list)
    nondeterministic_steps: list[str] = field(default_factory=list)
    stub_passing_steps: list[str] = field(default_factory=list)
    mutants: list[MutantRun] = field(default_factory=list)
    unfailable_steps: list[str] = field(default_factory=list)
    pointed: list[Pointed] = field(default_factory=list)  # each catalogued mistake's pointer against `# breaks:`
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def pointer_accuracy(self) -> tuple[int, int]:
        """(right, total): the catalogued mistakes whose first failure points at their `# breaks:` function."""
        return accuracy(self.pointed)

    @property
    def solution_s(self) -> float:
        """The fastest of the solution's runs: the least disturbed by whatever else the machine does."""
        return self.fastest.duration_s if self.fastest else 0.0

    @property
    def fastest(self) -> CheckResult | None:
        runs = [r for r in (self.solution, self.repeat, *self.reruns) if r is not None]
        return min(runs, key=lambda r: r.duration_s, default=None)

    def slowest_steps(self, count: int = 3) -> list[StepResult]:
        """The fastest solution run's slowest steps, slowest first (those taking a tenth of the slowest or more)."""
        run = self.fastest
        ranked = sorted(run.steps, key=lambda s: -s.duration_s)[:count] if run else []
        return [s for s in ranked if s is ranked[0] or s.duration_s >= 0.1 * ranked[0].duration_s]

    @property
    def mutation_score(self) -> tuple[int, int]:
        """(killed, total) over the mutants that changed something."""
        counted = [m for m in self.mutants if m.counted]
        return sum(1 for m in counted if m.killed), len(counted)

    def to_json(self) -> dict:
        killed, total = self.mutation_score
        return {
            "id": self.exercise.id,
            "name": self.exercise.name,
            "ok": self.ok,
            "problems": self.problems,
            "warnings": self.warnings,
            "flaky_steps": self.flaky_steps,
            "nondeterministic_steps": self.nondeterministic_steps,
            "stub_passing_steps": self.stub_passing_steps,
            "unfailable_steps": self.unfailable_steps,
            "mutation": {"killed": killed, "total": total,
                         "score": round(killed / total, 3) if total else None,
                         "mutants": [m.to_json() for m in self.mutants]},
            "pointer": _pointer_json(self.pointer_accuracy, [p.to_json() for p in self.pointed]),
            "slowest_steps": [{"index": s.index, "name": s.name, "title": s.title,
                               "duration_s": round(s.duration_s, 3)} for s in self.slowest_steps()],
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
    strict: bool = False  # --strict: a pointer accuracy below THRESHOLD fails the course

    @property
    def pointer_accuracy(self) -> tuple[int, int]:
        return accuracy([p for v in self.exercises for p in v.pointed])

    @property
    def pointer_low(self) -> bool:
        right, total = self.pointer_accuracy
        return total > 0 and right < THRESHOLD * total

    @property
    def ok(self) -> bool:
        return (not self.course_problems and all(v.ok for v in self.exercises)
                and not (self.strict and self.pointer_low))

    @property
    def mutation_score(self) -> tuple[int, int]:
        scores = [v.mutation_score for v in self.exercises]
        return sum(k for k, _ in scores), sum(n for _, n in scores)

    def to_json(self) -> dict:
        killed, total = self.mutation_score
        return {
            "course": self.course.name,
            "ok": self.ok,
            "problems": self.course_problems,
            "extra_seeds": self.seeds,
            "mutation": {"killed": killed, "total": total, "score": round(killed / total, 3) if total else None},
            "pointer": dict(_pointer_json(self.pointer_accuracy), threshold=THRESHOLD, low=self.pointer_low),
            "exercises": [v.to_json() for v in self.exercises],
            "duration_s": round(self.duration_s, 3),
        }


def _pointer_json(score: tuple[int, int], mistakes: list[dict] | None = None) -> dict:
    right, total = score
    found: dict = {"right": right, "total": total, "accuracy": round(right / total, 3) if total else None}
    if mistakes is not None:
        found["mistakes"] = mistakes
    return found


def detail(result: CheckResult) -> str:
    failure = result.first_failure()
    return f"step {failure.index} ({failure.title}): {failure.message}" if failure else result.message


def step_label(step: StepResult) -> str:
    return f"step {step.index} ({step.title})"
