"""The events of a run: what a check child says on its events pipe, and what the worker forwards, stamped.

Only the kinds in CHILD_EVENTS are taken from a child, so learner code can never hand the worker
a verdict. `Event.from_wire` returns None for anything that is not a well-formed event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from kata.contract.request import RunRequest
from kata.contract.results import Cause, CheckResult, StepResult, result_to_wire, step_to_wire
from kata.contract.typed import typed

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
    INTEGRITY = "integrity"  # child (judged): the learner's code did what no honest answer does, and why
    RESULT = "result"  # worker -> client: the run's verdict, last

    def __str__(self) -> str:
        return self.value


# What a check child may send on its events pipe; anything else from it is dropped, so a
# learner's code can never hand the worker a `result` (or `ready`) to pass on.
CHILD_EVENTS = frozenset({EventKind.COLLECTED, EventKind.IMPORTS, EventKind.START, EventKind.STEP,
                          EventKind.COLLECT_ERROR, EventKind.INTERNAL_ERROR, EventKind.END,
                          EventKind.INTEGRITY})

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
    EventKind.INTEGRITY: ("message",),
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
            event = typed(cls, {**wanted, "kind": kind.value})
        except (ValueError, TypeError, KeyError):
            return None
        if kind == EventKind.RESULT and event.result is None:
            return None
        return event
