"""What a check run produces: plain dataclasses, shared by engine, progress and report.

The JSON shape is fixed by DESIGN.md; `to_json` produces exactly it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED, FAILED, ERROR, TIMEOUT, CRASHED, SKIPPED, LOCKED = (
    "passed", "failed", "error", "timeout", "crashed", "skipped", "locked",
)
# When steps disagree, the worst outcome names the run.
SEVERITY = [PASSED, SKIPPED, FAILED, ERROR, TIMEOUT, CRASHED, LOCKED]


@dataclass
class StepResult:
    index: int
    name: str
    title: str
    outcome: str = SKIPPED
    message: str = ""
    duration_s: float = 0.0
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == PASSED

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "name": self.name,
            "title": self.title,
            "outcome": self.outcome,
            "message": self.message,
            "duration_s": round(self.duration_s, 4),
        }


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

    @property
    def steps_passed(self) -> int:
        return sum(1 for s in self.steps if s.passed)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.outcome not in (PASSED, SKIPPED)), None)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "target": self.target,
            "status": self.status,
            "steps": [s.to_json() for s in self.steps],
            "duration_s": round(self.duration_s, 4),
        }


def to_wire(result: CheckResult) -> dict:
    """Everything the engine knows, for the worker-to-client pipe (a superset of `to_json`)."""
    data = result.to_json()
    data["message"] = result.message
    data["output"] = result.output
    for step, wire in zip(result.steps, data["steps"]):
        wire["output"] = step.output
    return data


def from_wire(data: dict) -> CheckResult:
    steps = [StepResult(**{k: s.get(k, d) for k, d in _STEP_DEFAULTS.items()}) for s in data.get("steps", [])]
    return CheckResult(
        id=data["id"], name=data["name"], target=data["target"], status=data["status"], steps=steps,
        duration_s=data.get("duration_s", 0.0), message=data.get("message", ""), output=data.get("output", ""),
    )


_STEP_DEFAULTS = {"index": 0, "name": "", "title": "", "outcome": SKIPPED, "message": "", "duration_s": 0.0, "output": ""}


def overall_status(steps: list[StepResult]) -> str:
    """Passed only when every step passed; otherwise the most severe step outcome."""
    if not steps:
        return ERROR
    if all(s.outcome == PASSED for s in steps):
        return PASSED
    worst = max((s.outcome for s in steps), key=SEVERITY.index)
    return FAILED if worst == SKIPPED else worst
