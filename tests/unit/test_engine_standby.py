"""The child forked ahead of the next run (kata.engine.standby): used only when it fits, as isolated as any.

Real workers, real forks: a run after a run of the same check module starts in the waiting
child; a changed check module, or another one, gets a fresh child; the waiting child holds
nothing of the worker's and takes its run's limits.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from kata.course import load_course
from kata.engine import CheckRequest, Engine

from tests.conftest import FIXTURE_COURSE, HOSTILE, killed

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the standby is a fork")


def _standby(worker: int, wait_s: float = 20.0) -> int | None:
    """The worker's waiting child, once it has forked one."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        for pid in os.popen(f"pgrep -P {worker}").read().split():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "kata-standby":
                    return int(pid)
            except OSError:
                continue
        time.sleep(0.02)
    return None


@pytest.fixture
def course(tmp_path: Path):
    """A copy of the fixture course, so a test may edit its checks."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    return load_course(root)


def test_the_next_run_of_the_same_checks_starts_in_the_waiting_child(course):
    add = course.find("add")
    with Engine() as engine:
        assert engine.check(CheckRequest(add, add.solution)).status == "passed"
        waiting = _standby(engine.worker_pid)
        assert waiting is not None, "no child was forked ahead of the next run"
        wrong = engine.check(CheckRequest(add, HOSTILE / "wrong_type.py"))
        assert wrong.status == "failed" and wrong.target == str(HOSTILE / "wrong_type.py")
        assert killed(waiting)  # it ran this run: killed by the verdict, reaped after it
        again = _standby(engine.worker_pid)
        assert again is not None and again != waiting  # each run forks the next one's


def test_a_changed_check_module_is_collected_afresh(course):
    add = course.find("add")
    with Engine() as engine:
        assert engine.check(CheckRequest(add, add.solution)).status == "passed"
        assert _standby(engine.worker_pid) is not None  # it collected the module as it was
        time.sleep(0.01)  # a new mtime even on a coarse clock
        add.checks.write_text(add.checks.read_text() + '\n\ndef test_added_later(exercise):\n'
                              '    """a step the waiting child never saw"""\n    assert exercise.add(2, 2) == 5\n')
        result = engine.check(CheckRequest(add, add.solution))
        assert result.status == "failed", result.to_json()
        assert [s.name for s in result.steps][-1] == "test_added_later"


def test_another_exercise_gets_a_fresh_child(course):
    add, double = course.find("add"), course.find("double")
    with Engine() as engine:
        assert engine.check(CheckRequest(add, add.solution)).status == "passed"
        assert _standby(engine.worker_pid) is not None
        result = engine.check(CheckRequest(double, double.solution))
        assert result.status == "passed" and result.id == double.id


def test_the_waiting_child_holds_only_its_own_pipes(course, tmp_path: Path, monkeypatch):
    folder = tmp_path / "pids"
    folder.mkdir()
    monkeypatch.setenv("KATA_TEST_PIDS", str(folder))
    add = course.find("add")
    with Engine() as engine:
        engine.start()
        protocol = {os.readlink(f"/proc/self/fd/{f.fileno()}") for f in (engine._proc.stdin, engine._proc.stdout)}
        assert engine.check(CheckRequest(add, add.solution)).status == "passed"
        assert _standby(engine.worker_pid) is not None
        assert engine.check(CheckRequest(add, HOSTILE / "lists_fds.py")).status == "passed"  # in the standby
    fds = json.loads((folder / "fds.json").read_text())
    assert fds["0"] == "/dev/null"
    assert not protocol & set(fds.values()), fds
    assert len({t for t in fds.values() if t.startswith("pipe:")}) == 2, fds  # output and events: no go pipe
    assert all(t.startswith(("pipe:", "/dev/null", "/tmp/")) for t in fds.values()), fds


def test_the_waiting_child_dies_with_its_worker(course):
    add = course.find("add")
    engine = Engine()
    engine.start()
    engine.check(CheckRequest(add, add.solution))
    waiting = _standby(engine.worker_pid)
    assert waiting is not None
    os.kill(engine.worker_pid, 9)
    engine.close()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{waiting}").exists() and time.monotonic() < deadline:
        try:
            if Path(f"/proc/{waiting}/stat").read_text().rpartition(")")[2].split()[0] == "Z":
                break
        except OSError:
            break
        time.sleep(0.05)
    alive = Path(f"/proc/{waiting}").exists() and Path(f"/proc/{waiting}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    assert not alive, "the waiting child outlived its worker"
