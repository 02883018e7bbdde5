"""Learner code that misbehaves: every case gets a clear verdict, and the runner lives on.

All cases share one warm worker, so each test also proves the worker survived
the ones before it.
"""

import json
import os

import pytest

from kata.course import load_course
from kata.engine import CheckRequest, Engine

from tests.conftest import FIXTURE_COURSE, HOSTILE, left_behind

COURSE = load_course(FIXTURE_COURSE)
ADD = COURSE.find("add")  # its per-step limit is 2 s


@pytest.fixture(scope="module")
def engine():
    with Engine() as engine:
        engine.start()
        yield engine


def check(engine, name):
    return engine.check(CheckRequest(ADD, HOSTILE / name))


CASES = [
    # file, status, words the first failure's message must contain
    ("infinite_loop.py", "timeout", ["time limit (2 s)", "infinite_loop.py:2 in add", "endless loop"]),
    ("loop_at_import.py", "timeout", ["time limit", "loop_at_import.py:1 in <module>"]),
    ("sys_exit_at_import.py", "error", ["sys.exit(3)", "if __name__"]),
    ("os_exit_at_import.py", "crashed", ["exit code 7", "os._exit"]),
    ("os_exit_in_step.py", "crashed", ["exit code 0"]),
    ("segfault.py", "crashed", ["segmentation fault", "segfault.py:5 in add"]),
    ("segfault_at_import.py", "crashed", ["segmentation fault", "segfault_at_import.py:2"]),
    ("keyboard_interrupt.py", "failed", ["KeyboardInterrupt", "keyboard_interrupt.py:2 in add"]),
    ("recursion.py", "failed", ["RecursionError", "recursion.py:2 in add", "repeat"]),
    ("memory_bomb.py", "failed", ["MemoryError", "memory_bomb.py:2"]),
    ("syntax_error.py", "error", ["syntax_error.py:2:", "SyntaxError", "a +* b", "^"]),
    ("import_error.py", "error", ["does not import", "import_error.py:1", "not_a_real_module_kata"]),
    ("nan.py", "failed", ["nan"]),
    ("wrong_type.py", "failed", ["'3' == 3"]),
    ("broken_str.py", "failed", ["broken_str.py:7 in add", "could not be shown"]),
    ("swallows_timeouts.py", "timeout", ["time limit"]),
    # printing without end filled the capture's memory until it broke ("I/O operation on closed file")
    ("print_forever.py", "timeout", ["time limit (2 s)", "print_forever.py:3 in add", "endless loop"]),
]


@pytest.mark.parametrize("name, status, words", CASES, ids=[c[0] for c in CASES])
def test_misbehaving_code_gets_a_clear_verdict(engine, name, status, words):
    pid = engine.worker_pid
    result = check(engine, name)
    assert result.status == status, json.dumps(result.to_json(), indent=1)
    failure = result.first_failure()
    message = failure.message if failure else result.message
    for word in words:
        assert word in message, message
    assert engine.worker_pid == pid, "the warm worker must survive learner code"
    assert "site-packages" not in message and "_pytest" not in message
    good = engine.check(CheckRequest(ADD, ADD.solution))
    assert good.status == "passed"


def test_memory_creep_is_stopped(engine):
    result = check(engine, "memory_creep.py")
    assert result.status in ("failed", "timeout"), result.to_json()
    message = result.first_failure().message
    assert "MemoryError" in message or "time limit" in message


def test_hundred_megabytes_of_prints_are_capped(engine):
    result = check(engine, "print_100mb.py")
    assert result.status == "failed"
    output = result.steps[0].output
    assert 1000 < len(output) < 20_000 and "output cut" in output


def test_learners_prints_are_shown_with_their_step(engine):
    result = check(engine, "prints_and_fails.py")
    assert "adding 1 2" in result.steps[0].output
    assert "hello from the learner" in result.steps[0].output


def test_later_steps_are_not_run_after_a_timeout(engine):
    result = check(engine, "infinite_loop.py")
    assert [s.outcome for s in result.steps] == ["timeout", "skipped"]
    assert "earlier step timed out" in result.steps[1].message


def test_a_crash_leaves_later_steps_not_run(engine):
    result = check(engine, "segfault.py")
    assert [s.outcome for s in result.steps] == ["crashed", "skipped"]
    assert "not run" in result.steps[1].message


def test_no_child_is_left_behind(engine):
    check(engine, "infinite_loop.py")
    # The only child the worker may have now is the next run's, forked ahead (kata.engine.standby).
    assert left_behind(engine.worker_pid) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the spawn fallback is what runs there anyway")
def test_spawn_fallback_gives_the_same_verdicts(monkeypatch):
    monkeypatch.setenv("KATA_NO_FORK", "1")
    with Engine() as engine:
        assert check(engine, "segfault.py").status == "crashed"
        assert check(engine, "sys_exit_at_import.py").status == "error"
        assert engine.check(CheckRequest(ADD, ADD.solution)).status == "passed"


def test_a_check_child_dies_with_its_worker():
    """Ctrl-C ends kata and its worker; the learner's endless loop must not live on alone."""
    import threading
    import time

    engine = Engine()
    engine.start()
    worker = engine.worker_pid
    threading.Thread(target=check, args=(engine, "swallows_timeouts.py"), daemon=True).start()
    children = []
    for _ in range(100):
        children = os.popen(f"pgrep -P {worker}").read().split()
        if children:
            break
        time.sleep(0.05)
    assert children, "the check child never started"
    os.kill(worker, 9)
    for _ in range(100):
        alive = [pid for pid in children if os.path.exists(f"/proc/{pid}") and
                 open(f"/proc/{pid}/stat").read().split()[2] != "Z"]
        if not alive:
            break
        time.sleep(0.05)
    assert not alive, f"check child {alive} outlived its worker"
    engine.close()
