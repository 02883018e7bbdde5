"""Isolation of every run: one test per attack class, each with a learner file from tests/hostile/.

A check child keeps only its own pipes; every line the client accepts belongs to the run in
flight; nothing a run started outlives it; memory, processes and CPU are limited for the run as
a whole (a cgroup where one can be made, else rlimits, and the result says which); and the
CLI never parses the learner's file itself.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import pytest

from kata.course import load_course
from kata.engine import CheckRequest, Engine

from tests.conftest import FIXTURE_COURSE, HOSTILE, killed, left_behind

COURSE = load_course(FIXTURE_COURSE)
ADD = COURSE.find("add")  # its per-step limit is 2 s
SLOW_ADD = dataclasses.replace(ADD, timeout=30.0)  # filling gigabytes takes seconds on a busy machine


@pytest.fixture
def pids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder the learner's code records its processes in (passed on through the environment)."""
    folder = tmp_path / "pids"
    folder.mkdir()
    monkeypatch.setenv("KATA_TEST_PIDS", str(folder))
    return folder


@pytest.fixture(params=["cgroup", "rlimits"])
def engine(request, pids: Path, monkeypatch: pytest.MonkeyPatch):
    """A warm engine, in each sandbox kind: the best this machine allows, and forced rlimits."""
    if request.param == "rlimits":
        monkeypatch.setenv("KATA_NO_CGROUP", "1")
    with Engine() as engine:
        engine.start()
        yield engine


def check(engine: Engine, name: str):
    return engine.check(CheckRequest(ADD, HOSTILE / name))


def recorded(folder: Path) -> list[int]:
    return [int(p.read_text()) for p in folder.glob("*.pid") if p.read_text().strip()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def assert_honest_checks_still_work(engine: Engine) -> None:
    assert engine.check(CheckRequest(ADD, ADD.solution)).status == "passed"
    wrong = engine.check(CheckRequest(ADD, HOSTILE / "wrong_type.py"))
    assert wrong.status == "failed" and wrong.target == str(HOSTILE / "wrong_type.py")


def needs_cgroup(engine: Engine) -> None:
    if not engine.limits.startswith("cgroup"):
        pytest.skip(f"no cgroup here ({engine.limits}): a run's total is not limited")


# (a) forged results --------------------------------------------------------------------------

@pytest.mark.parametrize("no_fork", ["0", "1"], ids=["fork", "spawn"])
def test_forged_results_on_every_fd_change_no_verdict(no_fork, pids, monkeypatch):
    monkeypatch.setenv("KATA_NO_FORK", no_fork)
    with Engine() as engine:
        engine.start()
        pid = engine.worker_pid
        for _ in range(2):
            result = check(engine, "forge_result.py")
            assert result.status == "failed", result.to_json()
            assert result.target == str(HOSTILE / "forge_result.py")
            assert_honest_checks_still_work(engine)
        assert engine.worker_pid == pid


@pytest.mark.parametrize("no_fork", ["0", "1"], ids=["fork", "spawn"])
def test_a_check_child_holds_only_its_own_pipes(no_fork, pids, monkeypatch):
    monkeypatch.setenv("KATA_NO_FORK", no_fork)
    with Engine() as engine:
        engine.start()
        proc = engine._proc  # the other ends of the worker's protocol pipes are ours
        protocol = {os.readlink(f"/proc/self/fd/{f.fileno()}") for f in (proc.stdin, proc.stdout)}
        assert check(engine, "lists_fds.py").status == "passed"
    fds = json.loads((pids / "fds.json").read_text())
    assert fds["0"] == "/dev/null"
    assert not protocol & set(fds.values()), fds
    pipes = {target for target in fds.values() if target.startswith("pipe:")}
    assert len(pipes) == 2, fds  # its output and its events: nothing else of the worker's
    assert all(t.startswith(("pipe:", "/dev/null", "/tmp/")) for t in fds.values()), fds


def test_kata_check_prints_only_the_real_verdict(kata, fixture_ws):
    proc = kata("check", "--file", str(HOSTILE / "forge_result.py"), "01", "--json", cwd=fixture_ws)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0]["status"] == "failed", proc.stdout
    assert set(lines[0]) == {"id", "name", "target", "status", "steps", "duration_s"}


# (b) escaping the run ------------------------------------------------------------------------

def test_an_escaped_sleeper_dies_with_its_run(engine, pids):
    result = check(engine, "escape_and_forge.py")
    assert result.status == "failed", result.to_json()
    escaped = recorded(pids)
    assert escaped, "the learner's sleeper never started"
    assert all(killed(pid) for pid in escaped), "a setsid'd grandchild outlived its run"
    assert_honest_checks_still_work(engine)


LOOKS_FOR_THE_LAST_RUN = """import os

def add(a, b):
    left = [p for p in os.listdir(os.environ["KATA_TEST_PIDS"]) if os.path.exists("/proc/" + p.split(".")[0])]
    return a + b if not left else -1
"""


def test_the_next_run_starts_only_once_the_last_ones_processes_are_reaped(engine, pids, tmp_path):
    """The verdict goes out before the run's processes finish exiting; the next run never sees them."""
    assert check(engine, "escape_and_forge.py").status == "failed"
    assert recorded(pids), "the learner's sleeper never started"
    looks = tmp_path / "looks.py"
    looks.write_text(LOOKS_FOR_THE_LAST_RUN)
    result = engine.check(CheckRequest(ADD, looks))
    assert result.status == "passed", result.to_json()


def test_nothing_the_learner_started_survives_kata_check(kata, fixture_ws, pids):
    proc = kata("check", "--file", str(HOSTILE / "escape_and_forge.py"), "01", "--json", cwd=fixture_ws,
                env={"KATA_TEST_PIDS": str(pids)})
    assert json.loads(proc.stdout)["status"] == "failed", proc.stdout + proc.stderr
    escaped = recorded(pids)
    # the shared engine answers once the run's processes are SIGKILLed and reaps them after: on a busy
    # machine one may still be finishing its exit when `kata check` returns, but none can run code
    assert escaped and all(killed(pid) for pid in escaped), [(pid, alive(pid)) for pid in escaped]


def test_a_killed_worker_leaves_nothing_in_its_cgroup(pids):
    """The worker is SIGKILLed mid-run: the client cleans up what the run left in the worker's cgroup."""
    import threading

    engine = Engine()
    engine.start()
    if not engine.limits.startswith("cgroup"):
        engine.close()
        pytest.skip("no cgroup here: orphans of a killed worker cannot be found")
    thread = threading.Thread(target=check, args=(engine, "cpu_spinners.py"), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while len(recorded(pids)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(engine.worker_pid, 9)
    thread.join(30)
    engine.close()
    helpers = recorded(pids)
    assert helpers
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in helpers)


# (c) memory of several processes ------------------------------------------------------------

def test_two_helpers_cannot_pass_the_runs_memory_total(engine):
    needs_cgroup(engine)
    result = engine.check(CheckRequest(SLOW_ADD, HOSTILE / "memory_helpers.py"))
    assert result.status == "crashed", result.to_json()
    assert result.cause == "memory_limit"
    failure = result.first_failure()
    assert "more memory than a check allows" in failure.message and "3072 MB" in failure.message
    assert "memory 3072 MB" in result.limits
    assert_honest_checks_still_work(engine)


def test_a_single_huge_allocation_is_a_memory_error(engine):
    result = check(engine, "memory_bomb.py")
    assert result.status == "failed" and "MemoryError" in result.first_failure().message


# (d) fork bomb -------------------------------------------------------------------------------

def test_a_fork_bomb_gets_a_clear_verdict(engine):
    needs_cgroup(engine)  # as root, rlimits cannot stop one: never run it without a cgroup
    pid = engine.worker_pid
    result = check(engine, "fork_bomb.py")
    shown = json.dumps(result.to_json(), indent=1)[:6000]  # whole: a dict's repr is cut short in the report
    assert result.status in ("failed", "timeout", "crashed"), shown
    assert "more than 64 processes" in result.first_failure().message, shown
    assert result.cause in ("process_limit", "")
    assert engine.worker_pid == pid
    assert left_behind(pid) == []  # at most the next run's child, forked ahead
    assert_honest_checks_still_work(engine)


# (e) CPU -------------------------------------------------------------------------------------

def test_cpu_spinners_time_out_and_die(engine, pids):
    result = check(engine, "cpu_spinners.py")
    assert result.status == "timeout", result.to_json()
    assert "time limit (2 s)" in result.first_failure().message
    helpers = recorded(pids)
    assert len(helpers) == 3 and all(killed(pid) for pid in helpers)
    assert_honest_checks_still_work(engine)


def test_the_result_names_the_limits(engine):
    result = engine.check(CheckRequest(ADD, ADD.solution))
    assert result.limits.split(":")[0] == engine.limits.split(":")[0]  # the kind the worker started with
    if os.environ.get("KATA_NO_CGROUP") == "1":
        assert result.limits.startswith("rlimits per process: memory 3072 MB")
    else:
        assert result.limits.startswith(("cgroup v1: memory 3072 MB, 64 processes", "cgroup v2: memory 3072 MB",
                                         "rlimits"))


# (f) a huge learner file --------------------------------------------------------------------

def test_the_request_builder_never_reads_the_target(tmp_path):
    """The CLI side builds a request from the check module alone: the learner's file is not opened."""
    target = tmp_path / "01_add.py"
    target.write_text("import torch\nimport numpy\n" + "def add(a, b):\n    return a + b\n")
    seen: list[tuple[str, tuple]] = []
    watching = [True]

    def hook(event: str, args: tuple) -> None:
        if watching[0] and event in ("open", "compile", "os.listdir") and any(str(target) in str(a) for a in args[:2]):
            seen.append((event, args[:1]))

    sys.addaudithook(hook)  # audit hooks cannot be removed: this one goes quiet at the end
    try:
        request = CheckRequest(ADD, target).run_request()
    finally:
        watching[0] = False
    assert seen == []
    assert request.target == str(target) and "torch" not in request.preload
    assert request.run_id and request.run_id != CheckRequest(ADD, target).run_request().run_id


def test_a_seven_megabyte_file_gets_a_verdict(kata, fixture_ws, tmp_path):
    big = tmp_path / "big.py"
    filler = "".join(f"x{i} = {i}  # {'=' * 40}\n" for i in range(125_000))
    big.write_text("def add(a, b):\n    return a + b\n" + filler)
    assert big.stat().st_size > 7_000_000
    proc = kata("check", "--file", str(big), "01", "--json", cwd=fixture_ws)
    verdict = json.loads(proc.stdout)
    assert verdict["status"] in ("passed", "timeout", "crashed", "error"), verdict
