"""kata.engine.verdict: a run whose processes were refused says so, and never blames kata for it."""

from __future__ import annotations

from kata.contract import CRASHED, ERROR, FAILED, Cause, CheckResult, RunRequest, StepResult
from kata.engine.rlimits import Sandbox
from kata.engine.verdict import PYTEST_BROKEN, RunState, note_process_limit

REQUEST = RunRequest(run_id="r", id="01", name="add", checks="checks/test_01_add.py", target="01_add.py",
                     step_timeout=2, max_processes=64)


def _run(status: str, cause: Cause, steps: list[StepResult]) -> RunState:
    result = CheckResult(id="01", name="add", target="01_add.py", status=status, cause=cause, steps=steps,
                         message=f"{PYTEST_BROKEN} (pytest exit status 3); this is a bug in kata" if status == ERROR else "")
    return RunState(result=result, step_timeout=2, sandbox=Sandbox(), oom_before=0, memory_mb=3072)


def _broken_by_a_fork_bomb() -> RunState:
    return _run(ERROR, Cause.PYTEST_BROKEN, [
        StepResult(index=1, name="test_add", title="adds", outcome=FAILED, message="BlockingIOError: [Errno 11]"),
        StepResult(index=2, name="test_more", title="more", outcome=ERROR, cause=Cause.PYTEST_BROKEN,
                   message=f"not run: {PYTEST_BROKEN}")])


def test_refused_processes_are_named_on_the_first_failure():
    run = _run(FAILED, Cause.NONE, [StepResult(index=1, name="test_add", title="adds", outcome=FAILED, message="boom")])
    note_process_limit(run, refused=5, request=REQUEST)
    assert run.result.cause == Cause.PROCESS_LIMIT
    assert "more than 64 processes" in run.result.first_failure().message


def test_pytest_broken_by_the_learners_processes_is_the_learners_verdict():
    run = _broken_by_a_fork_bomb()
    note_process_limit(run, refused=5, request=REQUEST)
    result = run.result
    assert (result.status, result.cause) == (CRASHED, Cause.PROCESS_LIMIT)
    assert "bug in kata" not in result.message and "more than 64 processes" in result.message
    assert "more than 64 processes" in result.first_failure().message
    assert [s.outcome for s in result.steps] == [FAILED, CRASHED]
    assert all(s.cause != Cause.PYTEST_BROKEN for s in result.steps)


def test_pytest_broken_with_no_process_refused_stays_kata_s_error():
    run = _broken_by_a_fork_bomb()
    note_process_limit(run, refused=0, request=REQUEST)
    assert (run.result.status, run.result.cause) == (ERROR, Cause.PYTEST_BROKEN)
