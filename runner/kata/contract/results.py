"""The verdict half of the run contract: outcomes, causes, StepResult/CheckResult and their two shapes.

`result_to_json` is the public `--json` shape (fixed by the CLI contract); `result_to_wire` and
`result_from_wire` the full record between processes. Standard library only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Any

from kata.contract.typed import typed

# Step and run outcomes.
PASSED, FAILED, ERROR, TIMEOUT, CRASHED, SKIPPED, LOCKED = (
    "passed", "failed", "error", "timeout", "crashed", "skipped", "locked",
)
# When steps disagree, the worst outcome names the run.
SEVERITY = [PASSED, SKIPPED, FAILED, ERROR, TIMEOUT, CRASHED, LOCKED]


class Cause(str, enum.Enum):
    """Why a step or a run gave no verdict on the learner's code ("" when it did)."""

    NONE = ""
    CHECKS_BROKEN = "checks_broken"  # the check module does not load: the course author's problem
    PYTEST_BROKEN = "pytest_broken"  # pytest or kata itself failed
    EARLIER_TIMEOUT = "earlier_timeout"  # skipped: an earlier step timed out
    NOT_RUN = "not_run"  # an earlier step already says why (the file does not import, the run stopped)
    DOES_NOT_IMPORT = "does_not_import"  # the learner's file fails, hangs or exits while it is imported
    WORKER_CRASHED = "worker_crashed"  # the warm worker died
    MEMORY_LIMIT = "memory_limit"  # the run's processes together used more memory than allowed
    PROCESS_LIMIT = "process_limit"  # the run tried to start more processes than allowed

    def __str__(self) -> str:
        return self.value


# Causes that mean no target could pass: the checks themselves cannot run.
CHECKS_CANNOT_RUN = frozenset({Cause.CHECKS_BROKEN, Cause.PYTEST_BROKEN})
# Causes of a step that did not run because something else already explains why.
NOT_RUN_CAUSES = frozenset({Cause.CHECKS_BROKEN, Cause.PYTEST_BROKEN, Cause.EARLIER_TIMEOUT, Cause.NOT_RUN,
                            Cause.WORKER_CRASHED})


# How a failure message carries its picture (kata.feedback.picture) from the check child: the
# child's STEP event has only a message, so the picture's data rides after this mark on its last
# line, and StepResult moves it into its own field the moment the message is set.
PICTURE_MARK = "⟦kata:picture⟧ "


@dataclass
class StepResult:
    index: int
    name: str
    title: str
    outcome: str = SKIPPED
    message: str = ""
    duration_s: float = 0.0
    output: str = ""
    cause: str = Cause.NONE.value
    picture: str = ""  # a failed comparison drawn as data (kata.feedback.picture); not in the public JSON

    def __post_init__(self) -> None:
        if PICTURE_MARK in self.message:
            self.message, self.picture = split_picture(self.message)

    def __setattr__(self, name: str, value: Any) -> None:
        # After __init__ (which sets `picture` last), a message that carries a picture is split at once.
        if name == "message" and isinstance(value, str) and PICTURE_MARK in value and "picture" in self.__dict__:
            value, self.__dict__["picture"] = split_picture(value)
        object.__setattr__(self, name, value)

    @property
    def passed(self) -> bool:
        return self.outcome == PASSED

    def to_json(self) -> dict:
        return step_to_json(self)


@dataclass
class CheckResult:
    """The verdict on one exercise against one target."""

    id: str
    name: str
    target: str
    status: str = ERROR
    steps: list[StepResult] = field(default_factory=list)
    duration_s: float = 0.0
    message: str = ""  # a run-level problem: the file does not import, the child died, …
    output: str = ""  # what the child printed outside any step, capped
    cause: str = Cause.NONE.value
    limits: str = ""  # the limits the run ran under, e.g. "cgroup v1: memory 3072 MB, 64 processes, cpu 1 core"
    isolation: str = ""  # judged runs: how the learner's code was kept apart (see kata.judge.sandbox)
    carry: str = ""  # passed on its own code, but not on the learner's earlier exercises: why (kata.carry)
    integrity: list[str] = field(default_factory=list)  # judged runs: what it did that no honest answer does

    @property
    def steps_passed(self) -> int:
        return sum(1 for s in self.steps if s.passed)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.outcome not in (PASSED, SKIPPED)), None)

    def to_json(self) -> dict:
        return result_to_json(self)


def split_picture(message: str) -> tuple[str, str]:
    """(the message without its picture, the picture's data) of a message from the check child."""
    text, _, picture = message.rpartition(PICTURE_MARK)
    return text.rstrip("\n"), picture.strip()


def overall_status(steps: list[StepResult]) -> str:
    """Passed only when every step passed; otherwise the most severe step outcome."""
    if not steps:
        return ERROR
    if all(s.outcome == PASSED for s in steps):
        return PASSED
    worst = max((s.outcome for s in steps), key=SEVERITY.index)
    return FAILED if worst == SKIPPED else worst


# --- the public JSON shape (`--json`): never changes ---------------------------------------

def step_to_json(step: StepResult) -> dict:
    return {"index": step.index, "name": step.name, "title": step.title, "outcome": step.outcome,
            "message": step.message, "duration_s": round(step.duration_s, 4)}


def result_to_json(result: CheckResult) -> dict:
    """`{"id","name","target","status","steps":[...],"duration_s"}`, as `kata check --json` prints."""
    data = {"id": result.id, "name": result.name, "target": result.target, "status": result.status,
            "steps": [step_to_json(s) for s in result.steps], "duration_s": round(result.duration_s, 4)}
    if result.carry:
        data["carry"] = result.carry
    return data


# --- the full record, between processes ----------------------------------------------------

def step_to_wire(step: StepResult) -> dict:
    return {f.name: getattr(step, f.name) for f in fields(StepResult)}


def step_from_wire(data: Any) -> StepResult:
    return typed(StepResult, data)


def result_to_wire(result: CheckResult) -> dict:
    data = {f.name: getattr(result, f.name) for f in fields(CheckResult)}
    data["steps"] = [step_to_wire(s) for s in result.steps]
    return data


def result_from_wire(data: Any) -> CheckResult:
    return typed(CheckResult, data)
