"""Running one check: the engine call, and the verdicts of runs that never start.

Shared by the learner's session (its own files, locks, progress), `kata check --file` (any
file, never locked, never recorded) and the IPython extension. Never prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol

from kata import messages
from kata.contract import Event
from kata.course import Exercise, step_names
from kata.engine.client import CheckRequest
from kata.results import LOCKED, CheckResult, StepResult

OnEvent = Callable[[Event], None]


class Checker(Protocol):
    """What a check needs of an engine (the warm one, or a fake in tests)."""

    def check(self, request: CheckRequest, on_event: OnEvent | None = None) -> CheckResult: ...


def locked_result(ex: Exercise, first: Exercise, target: str) -> CheckResult:
    why = messages.locked(ex, first)
    return CheckResult(id=ex.id, name=ex.name, target=target, status=LOCKED,
                       steps=_unrun_steps(ex, LOCKED, why), message=why)


def missing_result(ex: Exercise, label: str) -> CheckResult:
    why = messages.missing(label, ex)
    return CheckResult(id=ex.id, name=ex.name, target=label, status="error",
                       steps=_unrun_steps(ex, "error", why), message=why)


def _unrun_steps(ex: Exercise, outcome: str, why: str) -> list[StepResult]:
    """The exercise's steps, none of them run, each saying why (JSON readers see only steps)."""
    return [StepResult(index=i, name=n, title=t, outcome=outcome, message=why)
            for i, (n, t) in enumerate(step_names(ex.checks), 1)]


def check_file(engine: Checker, ex: Exercise, target: Path, label: str | None = None,
               on_event: OnEvent | None = None) -> CheckResult:
    """Check any file against an exercise, shown as `label` (default: the path as given)."""
    return engine.check(CheckRequest(ex, Path(target).resolve(), label or str(target)), on_event)
