"""Grading one submission against one exercise: the unit of work of `kata grade`, wherever it runs.

The local pool (`kata.dev.grade`) and each Dask worker (`kata.dev.cluster.worker`) both grade
through `grade_one`: the submission's file read through the intake's refusals, then one isolated
check run (judged mode by default). A file with no exercise, a refused file and a one-file
submission already found not to import get a result without a run.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Iterator

from kata.course import Exercise
from kata.dev.hidden import all_step_names, hidden_exercise, merge, not_run, skip_hidden
from kata.dev.submissions import Submission
from kata.engine import CheckRequest, Engine
from kata.judge.intake import Refused, check_entry
from kata.results import ERROR, TIMEOUT, Cause, CheckResult, StepResult


def missing_result(ex: Exercise, label: str) -> CheckResult:
    steps = [StepResult(index=i, name=n, title=t, outcome=ERROR, message="not run: no file for this exercise",
                        cause=Cause.NOT_RUN)
             for i, (n, t) in enumerate(all_step_names(ex), start=1)]
    return CheckResult(id=ex.id, name=ex.name, target=label, status=ERROR, steps=steps,
                       message=f"no file for {ex.id} {ex.name} (looked for {ex.filename})")


def refused_result(ex: Exercise, label: str, why: str, isolation: str = "not run: the file was refused") -> CheckResult:
    steps = [StepResult(index=i, name=n, title=t, outcome=ERROR, message=f"not run: {why}", cause=Cause.NOT_RUN)
             for i, (n, t) in enumerate(all_step_names(ex), start=1)]
    return CheckResult(id=ex.id, name=ex.name, target=label, status=ERROR, steps=steps, message=why,
                       isolation=isolation)


class BrokenFiles:
    """Files already found not to import, so a one-file submission that hangs at import costs one
    time-out, not one per exercise. Shared by the pool's threads. Each later exercise gets the
    status the first run got (`timeout` for a hang, `error` for a syntax error), so the verdict is
    the same whichever order the exercises ran in: in parallel on this machine's pool, one after
    another on a Dask worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._why: dict[Path, tuple[str, str, str]] = {}  # path -> (status, step outcome, why)

    def result_for(self, path: Path, ex: Exercise, label: str) -> CheckResult | None:
        """The verdict of `ex` on a file already found not to import, without a run; None if not."""
        with self._lock:
            found = self._why.get(path)
        if found is None:
            return None
        status, outcome, why = found
        result = refused_result(ex, label, why, isolation="not run: judged once for all its exercises")
        result.status = status
        for step in result.steps:
            step.outcome = outcome
        return result

    def note(self, path: Path, result: CheckResult) -> None:
        first = result.steps[0] if result.steps else None
        if first is not None and first.cause == Cause.DOES_NOT_IMPORT:
            why = (f"{path.name} does not import (see {result.id} {result.name}): "
                   f"{first.message.splitlines()[0] if first.message else first.outcome}")
            with self._lock:
                self._why.setdefault(path, (result.status, first.outcome, why))


def grade_one(engine: Engine, sub: Submission, ex: Exercise, judged: bool = True,
              require_sandbox: bool = False, broken: BrokenFiles | None = None,
              note: str | None = None) -> CheckResult:
    """One run of `ex` on `sub`'s file; `note` (a notebook and its `.py` differ, said by the grader's
    side when the twin did not travel) is added to the verdict's message."""
    choice = sub.choice_for(ex)
    if choice is None:
        return missing_result(ex, sub.label)
    return with_note(_graded(engine, sub, ex, choice.path, judged, require_sandbox, broken), note or choice.note)


def with_note(result: CheckResult, note: str | None) -> CheckResult:
    """`result`, its message ending in `note` (which file of a pair was checked)."""
    if note and note not in result.message:
        result.message = f"{result.message}\n{note}" if result.message else note
    return result


def _graded(engine: Engine, sub: Submission, ex: Exercise, target: Path, judged: bool, require_sandbox: bool,
            broken: BrokenFiles | None) -> CheckResult:
    label = f"{sub.label}: {target.name}"
    try:
        check_entry(target, sub.path if not sub.is_file else sub.path.parent)
    except Refused as exc:
        return refused_result(ex, label, str(exc))
    known = broken.result_for(target, ex, label) if broken is not None else None
    if known is not None:
        return known
    # Graded on the submission's own earlier exercises in both modes, as judged mode must (kata.earlier); a
    # one-file submission has none (the files beside it, in a class folder, are other students').
    own = "none" if sub.is_file else "yours"
    result = check_once_more_alone(engine, CheckRequest(ex, target, label, judged=judged,
                                                        require_sandbox=require_sandbox, earlier=own))
    if broken is not None:
        broken.note(target, result)
    hidden = hidden_exercise(ex)
    if hidden is None:
        return result
    why = skip_hidden(result)
    if why:
        return not_run(ex, result, why)
    return merge(result, check_once_more_alone(engine, CheckRequest(hidden, target, label, judged=judged,
                                                                     require_sandbox=require_sandbox, earlier=own)))


class Alone:
    """Runs of this process's engines side by side (`beside`), or one run with none beside it (`alone`).

    Writer-preferring: once a run waits to be alone, no new run starts beside the others until it
    has run, so a busy pool cannot starve it. One per process: the pool's threads, or a Dask worker."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._beside = 0  # runs going on side by side
        self._waiting = 0  # runs waiting to be alone, or running alone
        self._lone = threading.Lock()  # one run alone at a time

    @contextlib.contextmanager
    def beside(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._waiting)
            self._beside += 1
        try:
            yield
        finally:
            with self._cond:
                self._beside -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def alone(self) -> Iterator[None]:
        with self._lone:
            with self._cond:
                self._waiting += 1
                self._cond.wait_for(lambda: not self._beside)
            try:
                yield
            finally:
                with self._cond:
                    self._waiting -= 1
                    self._cond.notify_all()


ALONE = Alone()
RETRIED_PASSED = ("note: this exercise timed out at first, while other checks ran beside it (a busy machine?); "
                  "this verdict is from running it again alone")
RETRIED_AGAIN = "note: this exercise timed out twice: beside other checks, then run again alone"


def check_once_more_alone(engine: Engine, request: CheckRequest, alone: Alone = ALONE) -> CheckResult:
    """One check; a timeout is run once more with no other check of this process beside it before it
    stands: a learner's code that sleeps or spins times out again, a right answer slowed by a busy
    machine gets a fair run. The result's message says when it was run again (docs/routes.md)."""
    with alone.beside():
        result = engine.check(request)
    if result.status != TIMEOUT:
        return result
    with alone.alone():
        again = engine.check(request)
    return with_note(again, RETRIED_AGAIN if again.status == TIMEOUT else RETRIED_PASSED)
