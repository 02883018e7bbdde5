"""The run contract: one serializer each way, the public JSON shape unchanged, garbage dropped."""

from __future__ import annotations

import json

from kata.contract import (CHECKS_CANNOT_RUN, Cause, CheckResult, Event, EventKind, RunRequest, StepResult,
                           new_run_id, result_from_wire, result_to_wire)
from kata.report import render_result
from kata.results import from_wire, to_wire


def a_result() -> CheckResult:
    return CheckResult(
        id="01", name="add", target="exercises/01_add.py", status="crashed", duration_s=0.123456,
        message="your code used more memory", output="printed", cause=Cause.MEMORY_LIMIT,
        limits="cgroup v1: memory 3072 MB, 64 processes, cpu 1 core",
        steps=[StepResult(1, "test_a", "a", "crashed", "boom", 0.1, "out", Cause.MEMORY_LIMIT),
               StepResult(2, "test_b", "b", "skipped", "not run: the check stopped at step 1", 0.0, "",
                          Cause.NOT_RUN)],
    )


def test_the_public_json_shape_is_unchanged():
    data = a_result().to_json()
    assert list(data) == ["id", "name", "target", "status", "steps", "duration_s"]
    assert list(data["steps"][0]) == ["index", "name", "title", "outcome", "message", "duration_s"]
    assert data["duration_s"] == 0.1235


def test_a_result_survives_the_wire_whole():
    result = a_result()
    back = result_from_wire(json.loads(json.dumps(result_to_wire(result))))
    assert back == result
    assert back.cause == "memory_limit" and back.steps[1].cause == "not_run"
    assert from_wire(to_wire(result)) == result  # the old names are the same serializer


def test_a_request_survives_the_wire_with_every_default_in_one_place():
    request = RunRequest(run_id=new_run_id(), id="01", name="add", checks="/c/test_01_add.py", target="/t/01_add.py",
                         preload=("torch",))
    wire = json.loads(json.dumps(request.to_wire()))
    assert wire["memory_mb"] == 3072 and wire["max_processes"] == 64 and wire["op"] == "check"
    assert RunRequest.from_wire(wire) == request
    minimal = RunRequest.from_wire({"run_id": "x", "id": "01", "name": "add", "checks": "c", "target": "t"})
    assert minimal.step_timeout == 10.0 and minimal.memory_mb == 3072 and minimal.label == "t"


def test_events_carry_the_runs_stamp():
    request = RunRequest(run_id="abc", id="01", name="add", checks="c", target="t")
    event = Event(EventKind.STEP, index=2, outcome="failed", message="m", cause=Cause.EARLIER_TIMEOUT).stamped(request)
    back = Event.from_wire(json.loads(json.dumps(event.to_wire())))
    assert back == event and back.belongs_to(request)
    other = RunRequest(run_id="abd", id="01", name="add", checks="c", target="t")
    assert not back.belongs_to(other)


def test_garbage_is_never_an_event():
    for junk in (None, 1, "x", [1], {}, {"ev": "nope"}, {"ev": "step", "index": "two"},
                 {"ev": "result"}, {"ev": "result", "result": {"id": "01"}},
                 {"ev": "result", "result": {"id": 1, "name": "a", "target": "t"}},
                 {"ev": "collected", "steps": "all"}, {"ev": "imports", "names": [1]}):
        assert Event.from_wire(junk) is None, junk


def test_causes_replace_message_prefixes():
    broken = CheckResult(id="01", name="add", target="t", status="error", message="anything at all",
                         cause=Cause.CHECKS_BROKEN,
                         steps=[StepResult(1, "test_a", "a", "error", "whatever", cause=Cause.CHECKS_BROKEN)])
    assert broken.cause in CHECKS_CANNOT_RUN
    text = render_result(broken)
    assert "anything at all" in text and "First failure" not in text  # the run-level reason is shown


def test_the_strict_reader_checks_types_instead_of_coercing_them():
    from dataclasses import dataclass

    import pytest

    from kata.contract.typed import typed

    @dataclass
    class Record:
        flag: bool = False
        count: int = 0
        share: float = 0.0

    assert typed(Record, {"flag": True, "count": 3, "share": 1}) == Record(True, 3, 1.0)
    for bad in ({"flag": "false"}, {"flag": 1}, {"count": "3"}, {"count": 3.7}, {"count": True}, {"share": "0.5"}):
        with pytest.raises(ValueError):
            typed(Record, bad)
