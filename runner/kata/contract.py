"""The run contract: everything that crosses a process boundary during a check run, typed, in one place.

    client (CLI, watch, grade) --RunRequest-->  worker  --fork-->  child (pytest + kata.plugin)
    client <--Event (stamped)--  worker <--Event (events pipe)--  child

- `RunRequest`: one JSON line from the client to the warm worker. Every default lives here.
- `Event`: one JSON line. The child's plugin emits them on the run's events pipe; the worker's
  supervisor applies them, then forwards them to the client *stamped* with the run's id,
  exercise id and name and target. The client drops every line whose stamp is not the run in
  flight, and every line that is not a well-formed event.
- `CheckResult`/`StepResult`: the verdict. `cause` says, as a value rather than a message
  prefix, why a step or run gave no verdict on the learner's code; `limits` names the limits
  the run ran under.

One serializer each way: `to_wire`/`from_wire` for requests, events and results (the full
record, between processes) and `result_to_json` for the public `--json` shape, which is fixed
by the CLI contract (README, `--json`).

Standard library only: the CLI imports this module and must stay free of torch and pytest.
`kata.results` re-exports the result half for the many modules that import it from there.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field, fields
from typing import Any

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
    return {"id": result.id, "name": result.name, "target": result.target, "status": result.status,
            "steps": [step_to_json(s) for s in result.steps], "duration_s": round(result.duration_s, 4)}


# --- the full record, between processes ----------------------------------------------------

def _typed(cls: type, data: Any, nested: dict[str, Any] | None = None) -> Any:
    """`cls(**data)` keeping only known fields, each coerced to its default's type.

    Raises ValueError/TypeError on anything malformed, so a garbage line is dropped, never half-read.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: not an object")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if nested and f.name in nested:
            value = nested[f.name](value)
        elif f.type in ("str",):
            if not isinstance(value, str):
                raise ValueError(f"{cls.__name__}.{f.name}: not a string")
        elif f.type in ("int",):
            value = int(value)
        elif f.type in ("float",):
            value = float(value)
        elif f.type in ("bool",):
            value = bool(value)
        values[f.name] = value
    return cls(**values)


def step_to_wire(step: StepResult) -> dict:
    return {f.name: getattr(step, f.name) for f in fields(StepResult)}


def step_from_wire(data: Any) -> StepResult:
    return _typed(StepResult, data)


def result_to_wire(result: CheckResult) -> dict:
    data = {f.name: getattr(result, f.name) for f in fields(CheckResult)}
    data["steps"] = [step_to_wire(s) for s in result.steps]
    return data


def result_from_wire(data: Any) -> CheckResult:
    def steps(value: Any) -> list[StepResult]:
        if not isinstance(value, list):
            raise ValueError("steps: not a list")
        return [step_from_wire(s) for s in value]

    return _typed(CheckResult, data, {"steps": steps})


# --- the request ---------------------------------------------------------------------------

DEFAULT_MEMORY_MB = 3072  # all of a run's processes together
DEFAULT_MAX_PROCESSES = 64  # processes and threads of one run, where a cgroup can count them
DEFAULT_CPU_CORES = 1.0
DEFAULT_STEP_TIMEOUT_S = 10.0
DEFAULT_RUN_TIMEOUT_S = 120.0


def new_run_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class RunRequest:
    """One check run: the checks of exercise `id`/`name` (module `checks`) against the file `target`."""

    run_id: str
    id: str
    name: str
    checks: str
    target: str
    target_label: str = ""  # how results name the target; the path when empty
    rootdir: str = ""  # the course folder; the check module's folder when empty
    step_timeout: float = DEFAULT_STEP_TIMEOUT_S
    run_timeout: float = DEFAULT_RUN_TIMEOUT_S
    preload: tuple[str, ...] = ()  # heavy libraries the worker imports before forking
    seed: int = 0  # every step starts from this random seed; `kata verify` varies it
    maxfail: int = 0  # stop after this many failing steps (0: run all)
    memory_mb: int = DEFAULT_MEMORY_MB
    max_processes: int = DEFAULT_MAX_PROCESSES
    cpu_cores: float = DEFAULT_CPU_CORES
    judged: bool = False  # the checks run in a trusted process; the learner's code in the sandbox (kata grade)
    require_sandbox: bool = False  # judged: refuse to run without bubblewrap

    @property
    def label(self) -> str:
        return self.target_label or self.target

    def to_wire(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(RunRequest)}
        data["preload"] = list(self.preload)
        data["op"] = "check"
        return data

    @classmethod
    def from_wire(cls, data: Any) -> "RunRequest":
        def names(value: Any) -> tuple[str, ...]:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError("preload: not a list of names")
            return tuple(value)

        request = _typed(cls, data, {"preload": names})
        if not request.checks or not request.target:
            raise ValueError("a request names its checks and its target")
        return request


# --- events --------------------------------------------------------------------------------

class EventKind(str, enum.Enum):
    READY = "ready"  # worker -> client, once: warm and waiting
    PONG = "pong"  # worker -> client: answer to {"op": "ping"}
    BAD_REQUEST = "bad_request"  # worker -> client: a request line it could not read
    COLLECTED = "collected"  # child: the steps, in order
    IMPORTS = "imports"  # child: preloadable libraries the target imports at top level
    START = "start"  # child: step `index` starts
    STEP = "step"  # child: step `index` ended
    COLLECT_ERROR = "collect_error"  # child: the check module does not load
    INTERNAL_ERROR = "internal_error"  # child: pytest or a plugin broke
    END = "end"  # child: pytest finished, with `exitstatus`
    RESULT = "result"  # worker -> client: the run's verdict, last

    def __str__(self) -> str:
        return self.value


# What a check child may send on its events pipe; anything else from it is dropped, so a
# learner's code can never hand the worker a `result` (or `ready`) to pass on.
CHILD_EVENTS = frozenset({EventKind.COLLECTED, EventKind.IMPORTS, EventKind.START, EventKind.STEP,
                          EventKind.COLLECT_ERROR, EventKind.INTERNAL_ERROR, EventKind.END})

# The fields each kind carries on the wire, besides "ev" and the stamp.
_FIELDS: dict[EventKind, tuple[str, ...]] = {
    EventKind.READY: ("pid", "fork", "limits"),
    EventKind.PONG: ("pid", "fork", "limits"),
    EventKind.BAD_REQUEST: ("message",),
    EventKind.COLLECTED: ("steps",),
    EventKind.IMPORTS: ("names",),
    EventKind.START: ("index",),
    EventKind.STEP: ("index", "outcome", "message", "duration_s", "output", "cause"),
    EventKind.COLLECT_ERROR: ("message",),
    EventKind.INTERNAL_ERROR: ("message",),
    EventKind.END: ("exitstatus",),
    EventKind.RESULT: ("result",),
}
_STAMP = ("run", "id", "name", "target")


@dataclass
class Event:
    """One event of a run; which fields mean something depends on `kind` (see `_FIELDS`)."""

    kind: EventKind
    index: int = 0
    outcome: str = ""
    message: str = ""
    duration_s: float = 0.0
    output: str = ""
    cause: str = Cause.NONE.value
    steps: list[StepResult] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    exitstatus: int = 0
    result: CheckResult | None = None
    pid: int = 0
    fork: bool = False
    limits: str = ""
    # The stamp: set by the worker on what it sends to the client; empty inside a run's pipe.
    run: str = ""
    id: str = ""
    name: str = ""
    target: str = ""

    def stamped(self, request: RunRequest) -> "Event":
        self.run, self.id, self.name, self.target = request.run_id, request.id, request.name, request.target
        return self

    def belongs_to(self, request: RunRequest) -> bool:
        return (self.run, self.id, self.name, self.target) == (
            request.run_id, request.id, request.name, request.target)

    def to_wire(self) -> dict:
        data: dict[str, Any] = {"ev": self.kind.value}
        for name in _FIELDS[self.kind]:
            value = getattr(self, name)
            if name == "steps":
                value = [step_to_wire(s) for s in value]
            elif name == "result":
                value = result_to_wire(value) if value is not None else None
            elif isinstance(value, enum.Enum):
                value = value.value
            data[name] = value
        for name in _STAMP:
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    @classmethod
    def from_wire(cls, data: Any) -> "Event | None":
        """The event in `data`, or None for anything that is not a well-formed event."""
        if not isinstance(data, dict):
            return None
        try:
            kind = EventKind(data.get("ev"))
            wanted = {name: data[name] for name in (*_FIELDS[kind], *_STAMP) if name in data}
            if "steps" in wanted:
                steps = wanted["steps"]
                if not isinstance(steps, list):
                    return None
                wanted["steps"] = [step_from_wire(s) for s in steps]
            if "names" in wanted:
                names = wanted["names"]
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    return None
            if "result" in wanted:
                wanted["result"] = result_from_wire(wanted["result"])
            event = _typed(cls, {**wanted, "kind": kind}, {"kind": EventKind, "steps": list, "names": list,
                                                          "result": lambda r: r})
        except (ValueError, TypeError, KeyError):
            return None
        if kind == EventKind.RESULT and event.result is None:
            return None
        return event


__all__ = [
    "PICTURE_MARK", "split_picture",
    "PASSED", "FAILED", "ERROR", "TIMEOUT", "CRASHED", "SKIPPED", "LOCKED", "SEVERITY",
    "Cause", "CHECKS_CANNOT_RUN", "NOT_RUN_CAUSES", "StepResult", "CheckResult", "overall_status",
    "result_to_json", "result_to_wire", "result_from_wire", "step_to_wire", "step_from_wire",
    "RunRequest", "new_run_id", "EventKind", "Event", "CHILD_EVENTS",
    "DEFAULT_MEMORY_MB", "DEFAULT_MAX_PROCESSES", "DEFAULT_CPU_CORES",
]
