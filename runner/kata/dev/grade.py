"""`kata grade`: checks a class's submissions against every exercise, in parallel over the cores.

Submissions are found by `kata.dev.submissions`. Each (submission, exercise) pair
is one isolated check run (`kata.dev.grade_one`), so a submission that hangs,
crashes or prints endlessly costs only its own row; with `--scheduler` the same
runs happen on a Dask cluster (`kata.dev.cluster`). Returns a Gradebook;
`gradebook.py` renders it. Never prints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from typing import Callable

from kata.course import MANIFEST, Course, Exercise
from kata.dev.hidden import hidden_problems
from kata.dev.grade_chain import note_dependencies
from kata.dev.grade_one import BrokenFiles, grade_one
from kata.dev.submissions import Submission, find_submissions
from kata.engine.pool import engine_count, grading_env, run_all
from kata.errors import KataError
from kata.results import CheckResult

__all__ = ["MISSING", "Row", "Gradebook", "checks_digest", "grade", "find_submissions"]

MISSING = "missing"  # shown instead of `error` when a submission has no file for an exercise
NOT_RUN = "not run"  # how an isolation that says the code was not run begins (refused, judged once)


@dataclass
class Row:
    """One submission's verdicts, one per exercise, in course order."""

    submission: Submission
    results: list[CheckResult] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # exercise names with no file

    @property
    def exercises_passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def steps_passed(self) -> int:
        return sum(r.steps_passed for r in self.results)

    @property
    def steps_total(self) -> int:
        return sum(len(r.steps) for r in self.results)

    @property
    def duration_s(self) -> float:
        return sum(r.duration_s for r in self.results)

    @property
    def isolation(self) -> str:
        """How this submission's code was kept apart, as the runs said (judged mode), else "none: local mode";
        when its runs were not all kept apart the same way, each way, after "mixed:" (never one of them
        silently)."""
        ran = list(dict.fromkeys(r.isolation for r in self.results if r.isolation and not r.isolation.startswith(NOT_RUN)))
        if len(ran) > 1:
            return "mixed: " + " | ".join(ran)
        if not ran and self.results and all(r.name in self.missing for r in self.results):
            return f"{NOT_RUN}: no file to grade"  # nothing ran, so nothing was isolated, in any mode
        return ran[0] if ran else next((r.isolation for r in self.results if r.isolation), "none: local mode")

    @property
    def integrity(self) -> list[str]:
        """What this submission did that no honest answer does, each reason once with the exercises whose runs
        saw it ("01 scale, 02 mean: reason"; judged mode;
        a flag for the instructor to look at, never a verdict: docs/grading.md, "Integrity")."""
        seen: dict[str, list[str]] = {}
        for result in self.results:
            for why in result.integrity:
                seen.setdefault(why, []).append(f"{result.id} {result.name}")
        return [f"{', '.join(exercises)}: {why}" for why, exercises in seen.items()]

    def status_of(self, result: CheckResult) -> str:
        return MISSING if result.name in self.missing else result.status


@dataclass
class Gradebook:
    course: Course
    exercises: list[Exercise]
    rows: list[Row]
    duration_s: float = 0.0
    jobs: int = 1
    checks_changed: bool = False  # the check modules' digest differs after grading: no mark can be trusted
    scheduler: str = ""  # graded on this Dask scheduler (`--scheduler`); `jobs` is then its workers
    cancelled: int = 0  # submissions left ungraded by Ctrl-C (a Dask run keeps the rows that finished)

    @property
    def isolations(self) -> dict[str, int]:
        """How the rows' code was kept apart, each way with its number of rows (rows not run left out): more than
        one way is a warning in the summary and the HTML (a worker without bubblewrap, a cgroup that could not be
        made: docs/routes.md)."""
        counts: dict[str, int] = {}
        for row in self.rows:
            if not row.isolation.startswith(NOT_RUN):
                counts[row.isolation] = counts.get(row.isolation, 0) + 1
        return counts

    @property
    def all_passed(self) -> bool:
        return all(r.exercises_passed == len(self.exercises) for r in self.rows)


def checks_digest(exercises: list[Exercise]) -> str:
    """One digest of every check module graded with (hidden ones too, and the checks' conftest.py), to compare
    after. A course without hidden checks digests exactly as before."""
    sha = hashlib.sha256()
    files = sorted({ex.checks for ex in exercises} | {ex.checks.parent / "conftest.py" for ex in exercises}
                   | {ex.hidden for ex in exercises if ex.hidden.is_file()})
    for path in files:
        try:
            sha.update(str(path).encode() + b"\0" + path.read_bytes())
        except OSError:
            sha.update(str(path).encode() + b"\0missing")
    return sha.hexdigest()


def grade(course: Course, submissions: list[Submission], exercises: list[Exercise] | None = None,
          jobs: int | None = None, timeout: float | None = None,
          on_row: Callable[[Row], None] | None = None, judged: bool = True,
          require_sandbox: bool = False, scheduler: str | None = None) -> Gradebook:
    """Every exercise against every submission. `timeout` overrides each exercise's per-step limit.

    `judged` (the default) runs each check in a trusted process and the learner's code in the
    sandbox (see kata.judge); `judged=False` is local mode, as `kata check` runs. `scheduler`
    grades on a Dask cluster instead of this machine's cores (kata.dev.cluster; `local:N` starts
    one here); there `on_row` sees each row as it finishes, and Ctrl-C keeps the finished rows.
    """
    started = time.monotonic()
    chosen = list(exercises or course.exercises)
    problems = [problem for ex in chosen for problem in hidden_problems(ex)]
    if problems:  # a mark computed with a mistyped weight, or a hidden step shown as a visible one, is wrong
        raise KataError(f"{course.root / MANIFEST}: " + " ".join(problems[:3])
                        + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""),
                        "Fix the course (`kata verify` lists every problem), then grade again.")
    if timeout is not None:
        chosen = [dataclasses.replace(ex, timeout=float(timeout)) for ex in chosen]
    rows = [Row(sub) for sub in submissions]
    for row in rows:
        row.missing = {ex.name for ex in chosen if row.submission.file_for(ex) is None}
    if scheduler:
        from kata.dev.cluster.grader import grade_rows  # dask is imported only here

        before = checks_digest(chosen)
        out = grade_rows(scheduler, course, chosen, rows, on_row, judged, require_sandbox)
        return Gradebook(course, chosen, [row for row in rows if row.results], time.monotonic() - started,
                         out.workers, checks_changed=out.checks_changed or checks_digest(chosen) != before,
                         scheduler=scheduler, cancelled=out.cancelled)
    tasks = [(row, ex) for row in rows for ex in chosen]

    def done(index: int, result: CheckResult) -> None:
        row = tasks[index][0]
        row.results.append(result)
        if len(row.results) == len(chosen):
            note_dependencies(row.submission, chosen, row.results)  # a failure that is an earlier one's
            if on_row is not None:
                on_row(row)

    used = engine_count(jobs, len(tasks))
    before = checks_digest(chosen)
    broken = BrokenFiles()
    run_all(tasks, lambda engine, task: grade_one(engine, task[0].submission, task[1], judged, require_sandbox, broken),
            used, on_result=done, env=grading_env())
    return Gradebook(course, chosen, rows, time.monotonic() - started, used, checks_changed=checks_digest(chosen) != before)
