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

Its parts: `results` (outcomes, causes, the verdict and its two shapes), `request` (RunRequest
and the defaults), `events` (EventKind, Event, what a child may send), `framing` (how one message
is cut from a pipe or socket: every line and frame, capped) and `typed` (the strict
reader every incoming line goes through). This package's names are the ones to import.

Standard library only: the CLI imports this module and must stay free of torch and pytest.
`kata.results` re-exports the result half for the many modules that import it from there.
"""

from kata.contract.events import CHILD_EVENTS, Event, EventKind
from kata.contract.request import (DEFAULT_CPU_CORES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_MB, DEFAULT_RUN_TIMEOUT_S,
                                   DEFAULT_STEP_TIMEOUT_S, RunRequest, new_run_id)
from kata.contract.results import (CHECKS_CANNOT_RUN, CRASHED, ERROR, FAILED, LOCKED, NOT_RUN_CAUSES, PASSED,
                                   PICTURE_MARK, SEVERITY, SKIPPED, TIMEOUT, Cause, CheckResult, StepResult,
                                   overall_status, result_from_wire, result_to_json, result_to_wire, split_picture,
                                   step_from_wire, step_to_json, step_to_wire)

__all__ = [
    "PICTURE_MARK", "split_picture",
    "PASSED", "FAILED", "ERROR", "TIMEOUT", "CRASHED", "SKIPPED", "LOCKED", "SEVERITY",
    "Cause", "CHECKS_CANNOT_RUN", "NOT_RUN_CAUSES", "StepResult", "CheckResult", "overall_status",
    "result_to_json", "result_to_wire", "result_from_wire", "step_to_wire", "step_from_wire",
    "RunRequest", "new_run_id", "EventKind", "Event", "CHILD_EVENTS",
    "DEFAULT_MEMORY_MB", "DEFAULT_MAX_PROCESSES", "DEFAULT_CPU_CORES", "DEFAULT_STEP_TIMEOUT_S", "DEFAULT_RUN_TIMEOUT_S",
    "step_to_json",
]
