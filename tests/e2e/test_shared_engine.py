"""The shared engine kept between `kata check` commands: reused, and never trusted blindly.

Real `kata` processes, real daemons and sockets, no mocks. Each test has its own runtime folder
(`KATA_RUNTIME_DIR`), so its daemons are its own, and stops them when it ends. No wall-clock
asserts: waits are bounded, and a check that hung would fail on its subprocess timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import FIXTURE_COURSE, HOSTILE, Kata

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_PEERCRED"), reason="the shared engine needs SO_PEERCRED")

DOUBLE = ("02", "--file", "exercises/02_double.py")  # its stub, checked wherever 02 stands in the course
SPINS_AND_TELLS = '''
import os


def add(a, b):
    with open(os.environ["KATA_TEST_MARK"] + ".tmp", "w") as handle:
        handle.write(f"{os.getpid()} {os.getppid()}")
    os.rename(os.environ["KATA_TEST_MARK"] + ".tmp", os.environ["KATA_TEST_MARK"])
    while True:
        pass
'''


@contextmanager
def env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Runtime:
    """A runtime folder of this test's own, and the `kata check` commands that use it."""

    def __init__(self, folder: Path, kata: Kata, ws: Path) -> None:
        self.folder, self.kata, self.ws = folder, kata, ws

    def check(self, *args: str, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
        # KATA_DEBUG is part of an engine's key: every check here sets it, so that each says why it
        # did not use the shared engine, and all find the same one.
        return self.kata("check", *args, cwd=self.ws, timeout=timeout,
                         env={"KATA_RUNTIME_DIR": str(self.folder), "KATA_DEBUG": "1", **extra})

    def verdict(self, *args: str, **extra: str) -> dict:
        proc = self.check(*args, "--json", **extra)
        assert proc.stdout.strip(), proc.stderr
        return json.loads(proc.stdout)

    def popen(self, *args: str, **extra: str) -> subprocess.Popen:
        """`kata check ARGS --json` left running, its verdict on stdout."""
        return subprocess.Popen([sys.executable, "-m", "kata", "check", *args, "--json"], cwd=self.ws,
                                stdout=subprocess.PIPE, text=True,
                                env=dict(os.environ, KATA_RUNTIME_DIR=str(self.folder), KATA_DEBUG="1", **extra))

    def engines(self) -> list[dict]:
        from kata.engine.shared import shared_engine_status

        with env(KATA_RUNTIME_DIR=str(self.folder)):
            return shared_engine_status()["engines"]

    def stop(self) -> int:
        from kata.engine.shared import stop_shared_engine

        with env(KATA_RUNTIME_DIR=str(self.folder)):
            return stop_shared_engine()

    def sockets(self) -> list[Path]:
        return sorted(self.folder.glob("*.sock"))


@pytest.fixture
def rt(kata: Kata, fixture_ws: Path) -> Iterator[Runtime]:
    folder = Path(tempfile.mkdtemp(prefix="kr-"))  # short: a socket path holds ~100 bytes
    runtime = Runtime(folder, kata, fixture_ws)
    yield runtime
    if folder.exists():
        os.chmod(folder, 0o700)
        if os.getuid() == 0:
            os.chown(folder, 0, 0)
        runtime.stop()
        shutil.rmtree(folder, ignore_errors=True)


def gone(pid: int, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def told(mark: Path) -> tuple[int, int]:
    """The pids of the check child running SPINS_AND_TELLS and of its worker, once it has started."""
    deadline = time.monotonic() + 90
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    child, worker = map(int, mark.read_text().split())
    return child, worker


def failed_as_the_stub_is(verdict: dict) -> None:
    """02's stub is wrong for negative numbers: the true verdict is `failed`, never a forged pass."""
    assert verdict["status"] == "failed", verdict
    assert [s["outcome"] for s in verdict["steps"]] == ["passed", "failed", "passed"], verdict


# --- reuse ----------------------------------------------------------------------------------

def test_the_second_check_reuses_the_same_daemon_and_worker(rt: Runtime) -> None:
    assert rt.verdict("01")["status"] == "passed"
    [first] = rt.engines()
    assert first["worker_pid"] > 0 and first["runs"] == 1
    failed_as_the_stub_is(rt.verdict(*DOUBLE))
    [second] = rt.engines()
    assert (second["pid"], second["worker_pid"], second["runs"]) == (first["pid"], first["worker_pid"], 2)


def test_the_client_side_imports_neither_torch_nor_pytest(rt: Runtime) -> None:
    script = ("import sys; from pathlib import Path; from kata.course import load_course; "
              "from kata.engine.client import CheckRequest; from kata.engine.shared import SharedEngine; "
              "ex = load_course(Path(sys.argv[1])).find('01'); e = SharedEngine(); "
              "r = e.check(CheckRequest(ex, ex.solution)); "
              "print(r.status, e.daemon_pid > 0, 'torch' in sys.modules, 'pytest' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", script, str(FIXTURE_COURSE)], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, KATA_RUNTIME_DIR=str(rt.folder)), cwd=rt.ws)
    assert proc.stdout.split() == ["passed", "True", "False", "False"], proc.stderr


def test_a_daemon_for_another_key_is_not_used(rt: Runtime) -> None:
    assert rt.verdict("01")["status"] == "passed"
    assert rt.verdict("01", KATA_TEST_SETTING="other")["status"] == "passed"  # another worker environment
    engines = rt.engines()
    assert len(engines) == 2 and engines[0]["pid"] != engines[1]["pid"], engines


def test_a_daemon_answering_with_another_key_on_our_socket_is_not_trusted(rt: Runtime) -> None:
    from kata.engine.daemon_wire import code_digest

    rt.verdict("01")
    [real] = rt.engines()
    rt.stop()
    impostor = subprocess.Popen(  # a real daemon, started by hand for another key, on this key's socket
        [sys.executable, "-m", "kata.engine.daemon", real["socket"], "0" * 64, code_digest()],
        env=dict(os.environ, KATA_RUNTIME_DIR=str(rt.folder), KATA_DEBUG="1"), cwd=rt.ws, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not rt.engines() and time.monotonic() < deadline:
            time.sleep(0.05)
        proc = rt.check(*DOUBLE, "--json")
        failed_as_the_stub_is(json.loads(proc.stdout))
        assert "another key" in proc.stderr, proc.stderr
        [engine] = rt.engines()
        assert engine["pid"] == impostor.pid and engine["runs"] == 0, engine
    finally:
        impostor.terminate()
        impostor.wait(30)


def test_the_socket_of_a_killed_daemon_is_replaced(rt: Runtime) -> None:
    rt.verdict("01")
    [old] = rt.engines()
    os.kill(old["pid"], signal.SIGKILL)
    assert gone(old["pid"]) and gone(old["worker_pid"]), "the worker outlived its daemon"
    assert [str(p) for p in rt.sockets()] == [old["socket"]]  # left behind: nothing answers on it
    failed_as_the_stub_is(rt.verdict(*DOUBLE))
    [new] = rt.engines()
    assert new["pid"] != old["pid"] and new["socket"] == old["socket"] and new["runs"] == 1


# --- impostors on the socket ----------------------------------------------------------------

class Fake:
    """Something of ours listening on the engine's socket path, answering `how`."""

    def __init__(self, path: Path, how: str, key: str = "") -> None:
        self.how, self.key, self.connections = how, key, 0
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(8)
        self.held: list[socket.socket] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def hello(self) -> bytes:
        return (json.dumps({"kata_engine": 1, "key": self.key, "pid": os.getpid(), "worker_pid": 1}) + "\n").encode()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.held.append(conn)  # never closed until the test ends: a hung engine
            try:
                self.answer(conn)
            except OSError:
                pass

    def answer(self, conn: socket.socket) -> None:
        if self.how == "garbage":
            conn.sendall(b"\x00\xffnot json at all\n{\"ev\": \"result\"}\n")
            return
        if self.how == "silent":
            return
        conn.sendall(self.hello())
        request = json.loads(conn.makefile().readline())
        if self.how == "wrong_run":
            result = {"id": request["id"], "name": request["name"], "target": request["target_label"],
                      "status": "passed", "steps": []}
            for run in ("f" * 32, ""):
                conn.sendall((json.dumps({"ev": "result", "result": result, "run": run, "id": request["id"],
                                          "name": request["name"], "target": request["target"]}) + "\n").encode())

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.mark.parametrize("how", ["garbage", "silent", "wrong_run", "silent_after_request"])
def test_an_impostor_on_the_socket_never_gives_the_verdict(rt: Runtime, how: str) -> None:
    rt.verdict("01")
    [real] = rt.engines()
    assert rt.stop() == 1 and gone(real["pid"])
    fake = Fake(Path(real["socket"]), how, key=real["key"])
    try:
        proc = rt.check(*DOUBLE, "--json", timeout=90)  # a hang fails here
        failed_as_the_stub_is(json.loads(proc.stdout))
        assert "not using the shared engine" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert fake.connections >= 1
    finally:
        fake.close()
    # A bad hello has the command start a real daemon in the impostor's place, for the next check.
    failed_as_the_stub_is(rt.verdict(*DOUBLE))


# --- the runtime folder ---------------------------------------------------------------------

@pytest.mark.parametrize("why", ["open to everyone", "another owner"])
def test_a_runtime_folder_that_is_not_ours_alone_is_not_used(rt: Runtime, why: str) -> None:
    if why == "open to everyone":
        os.chmod(rt.folder, 0o777)
    elif os.getuid() == 0:
        os.chown(rt.folder, 65534, 65534)
    else:
        pytest.skip("only root can give a folder to another user")
    proc = rt.check(*DOUBLE, "--json")
    failed_as_the_stub_is(json.loads(proc.stdout))
    assert ("open to group or others" if why == "open to everyone" else "belongs to uid") in proc.stderr
    assert not rt.sockets()


def test_kata_engine_fresh_starts_no_daemon_and_a_wrong_value_says_what_to_do(rt: Runtime) -> None:
    failed_as_the_stub_is(rt.verdict(*DOUBLE, KATA_ENGINE="fresh"))
    assert not rt.sockets() and not rt.engines()
    proc = rt.check(*DOUBLE, KATA_ENGINE="warmest")
    assert proc.returncode == 2 and "KATA_ENGINE=fresh" in proc.stderr and "Traceback" not in proc.stderr


# --- lifetime -------------------------------------------------------------------------------

def test_the_daemon_exits_after_its_idle_time(rt: Runtime) -> None:
    assert rt.verdict("01", KATA_ENGINE_IDLE_S="2")["status"] == "passed"
    [engine] = rt.engines()
    assert engine["idle_limit_s"] == 2
    assert gone(engine["pid"]) and gone(engine["worker_pid"])
    assert not rt.sockets()


def test_a_worker_killed_mid_run_gives_a_clear_verdict_and_the_next_check_works(rt: Runtime, tmp_path: Path) -> None:
    spinner = tmp_path / "spins.py"
    spinner.write_text(SPINS_AND_TELLS)
    mark = tmp_path / "mark"
    rt.verdict("01", KATA_TEST_MARK=str(mark))  # warm, so the run starts at once
    [before] = rt.engines()
    with rt.popen("01", "--file", str(spinner), KATA_TEST_MARK=str(mark)) as proc:
        child, worker = told(mark)
        assert worker == before["worker_pid"]
        os.kill(worker, signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
    verdict = json.loads(out)
    assert verdict["status"] == "crashed" and verdict["steps"][0]["name"] == "worker", verdict
    assert gone(child)
    assert rt.verdict("01", KATA_TEST_MARK=str(mark))["status"] == "passed"
    [after] = rt.engines()
    assert after["pid"] == before["pid"] and after["worker_pid"] not in (0, worker)


def test_a_command_that_goes_away_mid_run_ends_its_run(rt: Runtime, tmp_path: Path) -> None:
    spinner = tmp_path / "spins.py"
    spinner.write_text(SPINS_AND_TELLS)
    mark = tmp_path / "mark"
    proc = rt.popen("01", "--file", str(spinner), KATA_TEST_MARK=str(mark))
    child, _worker = told(mark)
    proc.kill()  # as a closed terminal would
    proc.communicate()
    assert gone(child), "the learner's code kept running after its command went away"
    assert rt.verdict("01", KATA_TEST_MARK=str(mark))["status"] == "passed"
    assert len(rt.engines()) == 1


def test_stop_ends_every_daemon_and_its_worker(rt: Runtime) -> None:
    rt.verdict("01")
    rt.verdict("01", KATA_TEST_SETTING="other")
    engines = rt.engines()
    assert rt.stop() == 2
    assert all(gone(e["pid"]) and gone(e["worker_pid"]) for e in engines)
    assert not rt.sockets() and not rt.engines()


def test_a_hostile_file_through_the_daemon_still_gets_its_verdict(rt: Runtime) -> None:
    verdict = rt.verdict("01", "--file", str(HOSTILE / "forge_result.py"))
    assert verdict["status"] == "failed", verdict
    assert rt.engines()[0]["runs"] == 1


def test_a_check_that_finds_the_engine_busy_gets_its_verdict_from_a_fresh_one(rt: Runtime, tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    manifest = course / "kata.toml"
    manifest.write_text(manifest.read_text().replace("timeout = 2", "timeout = 20", 1))  # add's steps: 20 s
    spinner = tmp_path / "spins.py"
    spinner.write_text(SPINS_AND_TELLS)
    mark = tmp_path / "mark"
    with rt.popen("01", "--file", str(spinner), "--course", str(course), KATA_TEST_MARK=str(mark)) as busy:
        told(mark)
        proc = rt.check(*DOUBLE, "--json", KATA_TEST_MARK=str(mark))  # the same key: it finds the spinner running
        busy.kill()
    failed_as_the_stub_is(json.loads(proc.stdout))
    assert "answered busy" in proc.stderr, proc.stderr
    [before] = rt.engines()
    failed_as_the_stub_is(rt.verdict(*DOUBLE, KATA_TEST_MARK=str(mark)))  # free again once the spinner's run ended
    [after] = rt.engines()
    assert after["pid"] == before["pid"]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "hung"])
def test_a_daemon_that_dies_or_hangs_mid_run_still_gives_the_true_verdict(rt: Runtime, tmp_path: Path,
                                                                           how: signal.Signals) -> None:
    spinner = tmp_path / "spins.py"
    spinner.write_text(SPINS_AND_TELLS)
    mark = tmp_path / "mark"
    rt.verdict("01", KATA_TEST_MARK=str(mark))
    [engine] = rt.engines()
    try:
        with rt.popen("01", "--file", str(spinner), KATA_TEST_MARK=str(mark)) as proc:
            told(mark)
            mark.unlink()
            os.kill(engine["pid"], how)
            out, _ = proc.communicate(timeout=120)  # the fresh engine runs it again: its step times out
        assert json.loads(out)["status"] == "timeout", out
        assert mark.exists()  # it ran again, in the fresh engine
    finally:
        if how == signal.SIGSTOP:
            os.kill(engine["pid"], signal.SIGCONT)


def test_the_kata_script_and_python_m_kata_share_one_engine(rt: Runtime) -> None:
    script = Path(sys.executable).with_name("kata")
    if not script.exists():
        pytest.skip("no `kata` script beside this Python")
    assert rt.verdict("01")["status"] == "passed"
    proc = subprocess.run([str(script), "check", "01", "--json"], cwd=rt.ws, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, KATA_RUNTIME_DIR=str(rt.folder), KATA_DEBUG="1"))
    assert json.loads(proc.stdout)["status"] == "passed", proc.stderr
    [engine] = rt.engines()
    assert engine["runs"] == 2, "the script (its shebang names python3, not python) found another engine"
