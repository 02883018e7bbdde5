"""One strict decoder (kata.contract.typed) for every message between kata's processes: the worker's
stdin, the events pipe the supervisor reads, the daemon's hello, the standby's go pipe and the
judge's tensor records. A wrong type is an error, never a coercion ("false" is not true)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from kata.contract import CheckResult, Event, EventKind, RunRequest, StepResult
from kata.contract.typed import decode, typed
from kata.engine.daemon_wire import Hello, Unusable
from kata.engine.go import Go, go_message
from kata.engine.rlimits import Limits


@dataclass
class Inner:
    name: str
    sizes: list[int] = field(default_factory=list)


@dataclass
class Outer:
    inner: Inner | None = None
    pair: tuple[int, str] = (0, "")
    names: tuple[str, ...] = ()
    table: dict[str, float] = field(default_factory=dict)
    kind: EventKind = EventKind.START


def test_the_decoder_reads_nested_records_and_containers_by_their_annotations():
    got = typed(Outer, {"inner": {"name": "a", "sizes": [1, 2]}, "pair": [3, "x"], "names": ["p", "q"],
                        "table": {"t": 1}, "kind": "step", "unknown": "ignored"})
    assert got == Outer(Inner("a", [1, 2]), (3, "x"), ("p", "q"), {"t": 1.0}, EventKind.STEP)
    assert typed(Outer, {"inner": None}) == Outer()


@pytest.mark.parametrize("data", [
    {"inner": {"name": 3}}, {"inner": {"sizes": [1]}}, {"inner": {"name": "a", "sizes": ["1"]}},
    {"inner": "a"}, {"pair": [3]}, {"pair": ["3", "x"]}, {"names": "pq"}, {"names": [True]},
    {"table": {"t": "1"}}, {"table": [1]}, {"kind": "nonsense"}, "not an object", None,
])
def test_the_decoder_refuses_what_it_would_have_to_convert(data):
    with pytest.raises(ValueError):
        typed(Outer, data)


@pytest.mark.parametrize("tp, value", [(bool, "false"), (bool, 0), (int, True), (int, "3"), (int, 3.5),
                                       (float, "1.0"), (float, False), (str, 1), (int | None, "1")])
def test_no_scalar_is_ever_coerced(tp, value):
    with pytest.raises(ValueError):
        decode(tp, value)


# --- the worker's stdin (and the daemon's socket): RunRequest -------------------------------

def _request(**extra):
    return {**RunRequest(id="01", name="x", checks="/c.py", target="/t.py", run_id="r1").to_wire(), **extra}


def test_the_worker_reads_a_request_whole():
    request = RunRequest.from_wire(json.loads(json.dumps(_request(judged=True, preload=["torch"], seed=7))))
    assert (request.judged, request.preload, request.seed) == (True, ("torch",), 7)


@pytest.mark.parametrize("bad", [{"judged": "false"}, {"require_sandbox": 1}, {"seed": "7"}, {"preload": "torch"},
                                 {"memory_mb": 3072.5}, {"step_timeout": "10"}, {"checks": ""}])
def test_the_worker_refuses_a_request_with_a_wrong_type(bad):
    with pytest.raises(ValueError):
        RunRequest.from_wire(_request(**bad))


# --- the events pipe, read by the supervisor; the worker's stdout ----------------------------

def test_the_supervisor_reads_each_event_kind_back_as_it_was_sent():
    result = CheckResult(id="01", name="x", target="t", status="failed",
                         steps=[StepResult(index=1, name="test_s", title="s", outcome="failed", message="m")], integrity=["why"])
    for event in (Event(EventKind.STEP, index=2, outcome="passed", duration_s=0.5, output="o"),
                  Event(EventKind.COLLECTED, steps=[StepResult(index=1, name="test_s", title="s")]),
                  Event(EventKind.IMPORTS, names=["torch"]), Event(EventKind.READY, pid=5, fork=True, limits="l"),
                  Event(EventKind.RESULT, result=result), Event(EventKind.END, exitstatus=1)):
        assert Event.from_wire(json.loads(json.dumps(event.to_wire()))) == event


@pytest.mark.parametrize("line", [
    {"ev": "step", "index": "2"}, {"ev": "step", "index": 2, "duration_s": "0.1"}, {"ev": "ready", "fork": "false"},
    {"ev": "imports", "names": ["torch", 3]}, {"ev": "collected", "steps": [{"index": "1"}]},
    {"ev": "collected", "steps": {"index": 1}}, {"ev": "result", "result": {"id": "01", "steps": "none"}},
    {"ev": "result", "result": None}, {"ev": "result"}, {"ev": "end", "exitstatus": 1.5}, {"ev": "nonsense"},
])
def test_the_supervisor_drops_a_malformed_event(line):
    assert Event.from_wire(line) is None


# --- the daemon's hello ----------------------------------------------------------------------

def test_the_hello_is_read_strictly():
    hello = Hello.from_wire({"kata_engine": 1, "key": "k", "pid": 5, "busy": False, "idle_s": 3, "extra": 1})
    assert (hello.pid, hello.busy, hello.idle_s, hello.worker_pid) == (5, False, 3.0, 0)
    for bad in ({"kata_engine": 1, "busy": "false"}, {"kata_engine": 1, "pid": "5"}, {"key": "k"}):
        with pytest.raises(Unusable):
            Hello.from_wire(bad)


# --- the standby's go pipe -------------------------------------------------------------------

def test_the_go_message_round_trips_and_a_wrong_limit_is_refused():
    request = RunRequest(id="01", name="x", checks="/c.py", target="/t.py", run_id="r1")
    limits = Limits(memory_mb=3072, max_processes=64, cpu_cores=1.0, cpu_seconds=40)
    go = Go.from_wire(json.loads(go_message(request, limits, 4096)))
    assert (RunRequest.from_wire(go.request), go.limits, go.address_space_mb) == (request, limits, 4096)
    data = json.loads(go_message(request, limits, 4096))
    data["limits"]["memory_mb"] = "3072"
    with pytest.raises(ValueError):
        Go.from_wire(data)


# --- the judge's tensors ---------------------------------------------------------------------

def test_the_judge_reads_a_tensor_record_strictly():
    torch = pytest.importorskip("torch")
    from kata.judge import wire
    from kata.judge.mirror import JudgeValues

    values, blobs = JudgeValues(), []
    dtype, shape, data = wire.tensor_to_bytes(torch.ones(2, 3))
    blobs.append(bytes(data))
    record = {"t": "tensor", "id": 4, "dtype": dtype, "shape": shape, "b": 0, "rg": True, "gen": 0}
    tensor = values.dec(record, blobs)
    assert tensor.shape == (2, 3) and tensor.requires_grad
    for bad in ({"rg": "false"}, {"gen": "1"}, {"shape": [2, "3"]}, {"b": "0"}, {"id": "5"},
                {"grad": {"dtype": dtype, "shape": shape}}):
        with pytest.raises(wire.WireError):
            JudgeValues().dec({**record, **bad}, blobs)


def test_the_judge_takes_an_answer_with_a_malformed_field_as_the_end_of_the_learner_process(tmp_path):
    pytest.importorskip("torch")
    import socket
    import threading

    from kata.judge import wire
    from kata.judge.remote import Channel, LearnerProcessGone

    judge, learner = socket.socketpair()

    def answer() -> None:
        wire.recv(learner)
        wire.send(learner, {"value": None, "imports": ["torch", 3]})  # a name that is not a string

    thread = threading.Thread(target=answer)
    thread.start()
    channel = Channel(judge, tmp_path / "01_x.py")
    try:
        with pytest.raises(LearnerProcessGone):
            channel.request("load", source="", path="01_x.py", name="learner", reset=True)
    finally:
        thread.join()
        judge.close()
        learner.close()
    assert channel.imports == [] and any("never sends" in reason for reason in channel.flags), channel.flags
