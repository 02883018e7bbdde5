"""Shared fixtures for kata's own tests: the real `kata` command on real files.

The suite runs on three processes, a test file per process at a time (`pytest -n 3 --dist loadfile`,
README's test command), so a file's module-scoped fixture (a class graded once) runs once. What
the processes could share is made theirs alone: the shared engines' runtime folder (one per
session, below), tmp paths, cgroups (named by the worker's pid), Dask's ports (chosen by the OS).
A test that looks at every process of the machine looks only for names its own file's runs take
(`kata-attack`, `kata-probe`). A new test that cannot run beside another needs the same care.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import shutil
import tempfile
from pathlib import Path

import pytest

collect_ignore = ["fixture_course", "grading_course", "points_course", "hostile", "seed"]

# pytest-xdist keeps every core busy already (three test processes on two cores): a grade or verify
# that started an engine per core as well would pay a second warm worker (and, judged, a second
# sandbox importing torch) for a core that is busy anyway. The tests about pools of engines ask for
# `--jobs 2` by name (docs/settings.md).
os.environ.setdefault("KATA_JOBS", "1")

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

# The longest files first (wall time on 2 cores beside the rest, docs/performance.md "The test suite").
# With `--no-loadscope-reorder` (README's command) `--dist loadfile` hands files out in collection
# order; xdist's own order, most tests first, put long files with few tests (the second course's
# verify, the cluster grading) last, running on at the end while the other processes had nothing
# left. A new file that takes over ~40 s belongs here.
LONGEST_FIRST = (
    "e2e/test_routes_parity.py", "e2e/test_engine_shared.py", "e2e/test_grade_attacks.py",
    "e2e/test_learner_second_course.py", "e2e/test_grade_cluster.py", "e2e/test_engine_isolation.py",
    "e2e/test_verify_bundled_course.py", "e2e/test_check_carry.py", "e2e/test_check_feedback.py",
    "e2e/test_magic_notebooks.py", "unit/test_data.py", "e2e/test_check_speed_switches.py",
    "e2e/test_grade_points_hidden.py", "e2e/test_watch.py",
)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}

    def place(item: pytest.Item) -> int:
        try:
            return rank.get(Path(str(item.path)).relative_to(TESTS).as_posix(), len(rank))
        except ValueError:
            return len(rank)

    items.sort(key=place)  # stable: each file's tests keep their order
FIXTURE_COURSE = TESTS / "fixture_course"
HOSTILE = TESTS / "hostile"


class Kata:
    """Runs the real `kata` command in a child process, as a user would."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(self, *args: str, cwd: Path | None = None, input: str | None = None,
                 timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = dict(os.environ, NO_COLOR="1", COLUMNS="120")
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "kata", *args], cwd=cwd or self.cwd, input=input,
            capture_output=True, text=True, timeout=timeout, env=full_env,
        )

    def json(self, *args: str, **kw) -> list[dict]:
        proc = self(*args, **kw)
        assert proc.stdout.strip(), f"no output; stderr:\n{proc.stderr}"
        return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


@pytest.fixture
def kata(tmp_path: Path) -> Kata:
    return Kata(tmp_path)


@pytest.fixture(scope="session")
def initialised_fixture_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One workspace on the fixture course, made by the real `kata init` once per test process. Never
    handed to a test: `fixture_ws` copies it."""
    ws = tmp_path_factory.mktemp("init") / "ws"
    proc = Kata(ws.parent)("init", str(ws), "--course", str(FIXTURE_COURSE))
    assert proc.returncode == 0, proc.stderr
    return ws


@pytest.fixture
def fixture_ws(tmp_path: Path, initialised_fixture_ws: Path) -> Path:
    """A fresh workspace on the fixture course, the test's own: a copy of the files `kata init` wrote
    (none names the workspace's own folder), so each test does not pay a `kata` process for it. The
    tests of `kata init` itself run it."""
    ws = tmp_path / "ws"
    shutil.copytree(initialised_fixture_ws, ws, symlinks=True)
    return ws


@pytest.fixture(scope="session", autouse=True)
def shared_engines():
    """`kata check` in these tests uses the real shared engine (engine/daemon.py), in a runtime
    folder of this session's own and with a short idle time; no daemon outlives the session."""
    folder = tempfile.mkdtemp(prefix="kata-rt-")  # 0700, and short: a socket path holds ~100 bytes
    saved = {name: os.environ.get(name) for name in ("KATA_RUNTIME_DIR", "KATA_ENGINE_IDLE_S")}
    os.environ["KATA_RUNTIME_DIR"] = folder
    os.environ.setdefault("KATA_ENGINE_IDLE_S", "15")
    try:
        yield Path(folder)
    finally:
        from kata.engine.shared import stop_shared_engine

        os.environ["KATA_RUNTIME_DIR"] = folder
        stop_shared_engine()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(folder, ignore_errors=True)


def one_exercise_course(root: Path, manifest: str, file_name: str, checks: str, solution: str, stub: str) -> Path:
    """A course of one exercise in `root`: its kata.toml, checks/test_<file_name>, solutions/ and exercises/."""
    (root / "kata.toml").write_text(manifest)
    for folder in ("checks", "exercises", "solutions"):
        (root / folder).mkdir()
    (root / "checks" / f"test_{file_name}").write_text(checks)
    (root / "solutions" / file_name).write_text(solution)
    (root / "exercises" / file_name).write_text(stub)
    return root


def left_behind(worker_pid: int, within: float = 10.0) -> list[str]:
    """The worker's children other than the next run's, forked ahead (`kata-standby`). A child that
    has just been forked names itself a moment later, so each is given `within` seconds to do so
    (or to be gone): a process a run left behind never takes that name."""
    import time

    def name(pid: str) -> str | None:
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return None  # gone

    deadline = time.monotonic() + within
    while True:
        children = subprocess.run(["pgrep", "-P", str(worker_pid)], capture_output=True, text=True).stdout.split()
        others = [pid for pid in children if name(pid) not in (None, "kata-standby")]
        if not others or time.monotonic() > deadline:
            return others
        time.sleep(0.05)


PF_EXITING = 0x4  # include/linux/sched.h: the task is in do_exit


def killed(pid: int) -> bool:
    """Whether `pid` can run no more code: gone, a zombie, already exiting, or with SIGKILL pending.

    A warm worker sends a verdict once the run's processes are SIGKILLed, and reaps them after: a
    process of a copy of its 500 MB address space may take milliseconds to finish exiting."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    if stat[0] in ("Z", "X") or int(stat[6]) & PF_EXITING:
        return True
    pending = {line.split(":")[0]: int(line.split()[1], 16) for line in status.splitlines()
               if line.startswith(("SigPnd:", "ShdPnd:"))}
    return any(mask & (1 << 8) for mask in pending.values())  # bit 8: signal 9, SIGKILL
