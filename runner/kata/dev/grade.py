"""`kata grade`: checks a class's submissions against every exercise, in parallel over the cores.

A submission is a workspace, a folder of `NN_name.py` files, or one single-file
module holding every exercise (as the seed is written). A folder that is none
of these but holds submissions is opened one level down, so `kata grade
submissions/` works. Each (submission, exercise) pair is one isolated check
run, so a submission that hangs, crashes or prints endlessly costs only its
own row. Returns a Gradebook; `gradebook.py` renders it. Never prints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kata.course import Course, Exercise, step_names
from kata.engine import CheckRequest, Engine
from kata.errors import KataError
from kata.judge.intake import Refused, check_entry
from kata.engine.pool import cores, run_all
from kata.results import ERROR, PASSED, Cause, CheckResult, StepResult

STATE_DIR = ".kata"
MISSING = "missing"  # shown instead of `error` when a submission has no file for an exercise


@dataclass(frozen=True)
class Submission:
    label: str
    path: Path

    @property
    def is_file(self) -> bool:
        return self.path.is_file()

    def file_for(self, ex: Exercise) -> Path | None:
        """The submission's file for `ex`: itself if it is one file, else its NN_name.py (any number)
        or NN_name.ipynb; of a notebook and its `.py` (a jupytext pair), the one saved last."""
        if self.is_file:
            return self.path
        for folder in (self.path / "exercises", self.path):
            found = [self._find(folder, ex, suffix) for suffix in (".ipynb", ".py")]
            found = [p for p in found if p is not None]
            if found:
                return max(found, key=_mtime_ns)  # on a tie, the notebook
        return None

    @staticmethod
    def _find(folder: Path, ex: Exercise, suffix: str) -> Path | None:
        exact = folder / Path(ex.filename).with_suffix(suffix)
        if exact.is_file():
            return exact
        moved = sorted(folder.glob(f"[0-9][0-9]_{ex.name}{suffix}")) + [folder / f"{ex.name}{suffix}"]
        return next((p for p in moved if p.is_file()), None)


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


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
        """How this submission's code was kept apart, as the runs said (judged mode), else "none (local)"."""
        return next((r.isolation for r in self.results if r.isolation), "none: local mode")

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
    def all_passed(self) -> bool:
        return all(r.exercises_passed == len(self.exercises) for r in self.rows)


def _is_submission(folder: Path, course: Course) -> bool:
    if (folder / STATE_DIR).is_dir() or (folder / "exercises").is_dir():
        return True
    names = {ex.name for ex in course.exercises}
    pattern = re.compile(r"^(?:\d\d_)?([a-z][a-z0-9_]*)\.py$")
    return any((m := pattern.match(p.name)) and m.group(1) in names for p in folder.glob("*.py"))


def find_submissions(paths: list[Path], course: Course) -> list[Submission]:
    """Submissions from the command line: files and submission folders as they are, others opened."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise KataError(f"{path} does not exist.", "Give kata grade submission folders or .py files.")
        if path.is_file() or _is_submission(path, course):
            found.append(path)
            continue
        inside = sorted(p for p in path.iterdir()
                        if not p.name.startswith((".", "_")) and (p.is_dir() or p.suffix == ".py"))
        if not inside:
            raise KataError(f"{path} holds no submission: no .py file, no folder.",
                            "Give kata grade workspaces, folders of NN_name.py files, or single .py files.")
        found.extend(inside)
    return _labelled(found)


def _labelled(paths: list[Path]) -> list[Submission]:
    stems = [p.stem if p.is_file() else Path(os.path.abspath(p)).name for p in paths]  # `.` is its folder
    labels = []
    for path, stem in zip(paths, stems):
        labels.append(stem if stems.count(stem) == 1 else str(path))
    seen: set[Path] = set()
    unique = []
    for path, label in zip(paths, labels):
        if Path(os.path.abspath(path)) not in seen:
            seen.add(Path(os.path.abspath(path)))
            unique.append(Submission(label, Path(os.path.abspath(path))))  # never through a symlink
    return unique


def missing_result(ex: Exercise, label: str) -> CheckResult:
    steps = [StepResult(index=i, name=n, title=t, outcome=ERROR, message="not run: no file for this exercise",
                        cause=Cause.NOT_RUN)
             for i, (n, t) in enumerate(step_names(ex.checks), start=1)]
    return CheckResult(id=ex.id, name=ex.name, target=label, status=ERROR, steps=steps,
                       message=f"no file for {ex.id} {ex.name} (looked for {ex.filename})")


def refused_result(ex: Exercise, label: str, why: str, isolation: str = "not run: the file was refused") -> CheckResult:
    steps = [StepResult(index=i, name=n, title=t, outcome=ERROR, message=f"not run: {why}", cause=Cause.NOT_RUN)
             for i, (n, t) in enumerate(step_names(ex.checks), start=1)]
    return CheckResult(id=ex.id, name=ex.name, target=label, status=ERROR, steps=steps, message=why,
                       isolation=isolation)


class BrokenFiles:
    """Files already found not to import, so a one-file submission that hangs at import costs one
    time-out, not one per exercise. Shared by the pool's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._why: dict[Path, str] = {}

    def why(self, path: Path) -> str | None:
        with self._lock:
            return self._why.get(path)

    def note(self, path: Path, result: CheckResult) -> None:
        first = result.steps[0] if result.steps else None
        if first is not None and first.cause == Cause.DOES_NOT_IMPORT:
            with self._lock:
                self._why.setdefault(path, f"{path.name} does not import (see {result.id} {result.name}): "
                                           f"{first.message.splitlines()[0] if first.message else first.outcome}")


def grade_one(engine: Engine, sub: Submission, ex: Exercise, judged: bool = True,
              require_sandbox: bool = False, broken: BrokenFiles | None = None) -> CheckResult:
    target = sub.file_for(ex)
    if target is None:
        return missing_result(ex, sub.label)
    label = f"{sub.label}: {target.name}"
    try:
        check_entry(target, sub.path if not sub.is_file else sub.path.parent)
    except Refused as exc:
        return refused_result(ex, label, str(exc))
    known = broken.why(target) if broken is not None else None
    if known is not None:
        return refused_result(ex, label, known, isolation="not run: judged once for all its exercises")
    result = engine.check(CheckRequest(ex, target, label, judged=judged, require_sandbox=require_sandbox))
    if broken is not None:
        broken.note(target, result)
    return result


def checks_digest(exercises: list[Exercise]) -> str:
    """One digest of every check module graded with (and the checks' conftest.py), to compare after."""
    sha = hashlib.sha256()
    files = sorted({ex.checks for ex in exercises} | {ex.checks.parent / "conftest.py" for ex in exercises})
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
    if timeout is not None:
        chosen = [dataclasses.replace(ex, timeout=float(timeout)) for ex in chosen]
    rows = [Row(sub) for sub in submissions]
    for row in rows:
        row.missing = {ex.name for ex in chosen if row.submission.file_for(ex) is None}
    if scheduler:
        from kata.dev.cluster import grade_rows  # dask is imported only here

        before = checks_digest(chosen)
        out = grade_rows(scheduler, course, chosen, rows, on_row, judged, require_sandbox)
        return Gradebook(course, chosen, [row for row in rows if row.results], time.monotonic() - started,
                         out.workers, checks_changed=out.checks_changed or checks_digest(chosen) != before,
                         scheduler=scheduler, cancelled=out.cancelled)
    tasks = [(row, ex) for row in rows for ex in chosen]

    def done(index: int, result: CheckResult) -> None:
        row = tasks[index][0]
        row.results.append(result)
        if on_row is not None and len(row.results) == len(chosen):
            on_row(row)

    used = max(1, min(jobs or cores(), len(tasks)))
    before = checks_digest(chosen)
    broken = BrokenFiles()
    run_all(tasks, lambda engine, task: grade_one(engine, task[0].submission, task[1], judged, require_sandbox, broken),
            used, on_result=done)
    return Gradebook(course, chosen, rows, time.monotonic() - started, used, checks_changed=checks_digest(chosen) != before)
