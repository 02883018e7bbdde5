"""The shared engine kept between `kata check` commands: reused, and never trusted blindly.

Real `kata` processes, daemons and sockets, no mocks; each test has its own runtime folder and stops its
daemons. No wall-clock asserts: waits are bounded, and a check that hung fails on its subprocess timeout.
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
from pathlib import Path
from typing import Iterator

import pytest

from kata.engine.daemon_wire import code_digest
from tests.conftest import FIXTURE_COURSE, Kata

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_PEERCRED"), reason="the shared engine needs SO_PEERCRED")

# its stub (the course's: a workspace gets it only once 01 is done), checked wherever 02 stands in the course
DOUBLE = ("02", "--file", str(FIXTURE_COURSE / "exercises" / "02_double.py"))
SPINS_AND_TELLS = '''import os

def add(a, b):
    with open(os.environ["KATA_TEST_MARK"] + ".tmp", "w") as handle:
        handle.write(f"{os.getpid()} {os.getppid()}")
    os.rename(os.environ["KATA_TEST_MARK"] + ".tmp", os.environ["KATA_TEST_MARK"])
    while True:
        pass
'''


class Runtime:
    """A runtime folder of this test's own (KATA_RUNTIME_DIR, set for the whole test with KATA_DEBUG,
    which is part of an engine's key: every check here says why it did not use the shared engine)."""

    def __init__(self, folder: Path, kata: Kata, ws: Path) -> None:
        self.folder, self.kata, self.ws = folder, kata, ws

    def check(self, *args: str, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
        return self.kata("check", *args, cwd=self.ws, timeout=timeout, env=extra)

    def verdict(self, *args: str, **extra: str) -> dict:
        proc = self.check(*args, "--json", **extra)
        assert proc.stdout.strip(), proc.stderr
        return json.loads(proc.stdout)

    def spinner(self, tmp_path: Path, *more: str) -> tuple[subprocess.Popen, tuple[int, int], dict]:
        """`kata check 01 --json` on SPINS_AND_TELLS, left running; the pids of its check child and
        worker; the environment of the same key (KATA_TEST_MARK)."""
        (tmp_path / "spins.py").write_text(SPINS_AND_TELLS)
        mark = tmp_path / "mark"
        same = {"KATA_TEST_MARK": str(mark)}
        proc = subprocess.Popen([sys.executable, "-m", "kata", "check", "01", "--file", str(tmp_path / "spins.py"),
                                 *more, "--json"], cwd=self.ws, stdout=subprocess.PIPE, text=True,
                                env=dict(os.environ, **same))
        deadline = time.monotonic() + 90
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        child, worker = map(int, mark.read_text().split())
        mark.unlink()
        return proc, (child, worker), same

    def engines(self) -> list[dict]:
        from kata.engine.shared import shared_engine_status

        return shared_engine_status()["engines"]

    def stop(self) -> int:
        from kata.engine.shared import stop_shared_engine

        return stop_shared_engine()

    def sockets(self) -> list[Path]:
        return sorted(self.folder.glob("*.sock"))


@pytest.fixture
def rt(kata: Kata, fixture_ws: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    folder = Path(tempfile.mkdtemp(prefix="kr-"))  # short: a socket path holds ~100 bytes
    monkeypatch.setenv("KATA_RUNTIME_DIR", str(folder))
    monkeypatch.setenv("KATA_DEBUG", "1")
    runtime = Runtime(folder, kata, fixture_ws)
    yield runtime
    os.chmod(folder, 0o700)
    if os.getuid() == 0:
        os.chown(folder, 0, 0)
    runtime.stop()
    shutil.rmtree(folder, ignore_errors=True)


def gone(pid: int, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def failed_as_the_stub_is(verdict: dict) -> None:
    """02's stub is wrong for negative numbers: the true verdict is `failed`, never a forged pass."""
    assert verdict["status"] == "failed", verdict
    assert [s["outcome"] for s in verdict["steps"]] == ["passed", "failed", "passed"], verdict


def test_the_second_check_reuses_the_same_daemon_and_worker_from_either_command(rt: Runtime) -> None:
    assert rt.verdict("01")["status"] == "passed"
    [first] = rt.engines()
    assert first["worker_pid"] > 0 and first["runs"] == 1
    failed_as_the_stub_is(rt.verdict(*DOUBLE))
    [second] = rt.engines()
    assert (second["pid"], second["worker_pid"], second["runs"]) == (first["pid"], first["worker_pid"], 2)
    script = Path(sys.executable).with_name("kata")  # its shebang may name python3, not python: one engine
    if script.exists():
        proc = subprocess.run([str(script), "check", "01", "--json"], cwd=rt.ws, capture_output=True, text=True,
                              timeout=120)
        assert json.loads(proc.stdout)["status"] == "passed", proc.stderr
        assert [e["runs"] for e in rt.engines()] == [3]


def test_the_client_side_imports_neither_torch_nor_pytest(rt: Runtime) -> None:
    script = ("import sys; from pathlib import Path; from kata.course import load_course; from kata.engine.client "
              "import CheckRequest; from kata.engine.shared import SharedEngine; e = SharedEngine(); ex = load_course("
              "Path(sys.argv[1])).find('01'); print(e.check(CheckRequest(ex, ex.solution)).status, e.daemon_pid > 0, "
              "'torch' in sys.modules, 'pytest' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", script, str(FIXTURE_COURSE)], capture_output=True, text=True,
                          timeout=120, cwd=rt.ws)
    assert proc.stdout.split() == ["passed", "True", "False", "False"], proc.stderr


def test_another_key_gets_another_daemon_and_stop_ends_them_all(rt: Runtime) -> None:
    assert rt.verdict("01")["status"] == "passed"
    assert rt.verdict("01", KATA_TEST_SETTING="other")["status"] == "passed"  # another worker environment
    engines = rt.engines()
    assert len(engines) == 2 and engines[0]["pid"] != engines[1]["pid"], engines
    assert rt.stop() == 2
    assert all(gone(e["pid"]) and gone(e["worker_pid"]) for e in engines)
    assert not rt.sockets() and not rt.engines()



def test_kata_engine_status_and_stop_tell_the_learner_what_runs(rt: Runtime) -> None:
    quiet = rt.kata("engine", "status", cwd=rt.ws)
    assert quiet.returncode == 0 and "No warm engine is running" in quiet.stdout, quiet.stderr
    assert rt.verdict("01")["status"] == "passed"
    [engine] = rt.engines()
    listed = rt.kata("engine", "status", cwd=rt.ws)
    assert f"pid {engine['pid']}" in listed.stdout and "1 checks" in listed.stdout, listed.stdout
    assert engine["memory_mb"] > 0 and " checks  " in listed.stdout and " MB  idle " in listed.stdout, listed.stdout
    as_json = json.loads(rt.kata("engine", "status", "--json", cwd=rt.ws).stdout)
    assert [e["pid"] for e in as_json["engines"]] == [engine["pid"]]
    stopped = rt.kata("engine", "stop", cwd=rt.ws)
    assert "Stopped 1 warm engine" in stopped.stdout, stopped.stderr
    assert gone(engine["pid"]) and gone(engine["worker_pid"]) and not rt.engines()
    assert "No warm engine was running" in rt.kata("engine", "stop", cwd=rt.ws).stdout


# --- impostors on the socket ----------------------------------------------------------------

class Fake:
    """Something of ours listening on the engine's socket path, answering `how`; it never hangs up."""

    def __init__(self, path: Path, how: str, key: str) -> None:
        self.how, self.key, self.held = how, key, []
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        os.chmod(path, 0o600)  # as a daemon's own: the client's first test (the socket is this user's alone) passes
        self.listener.listen(8)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
                self.held.append(conn)
                if self.how == "garbage":
                    conn.sendall(b"\x00\xffnot json at all\n{\"ev\": \"result\"}\n")
                elif self.how != "silent":
                    self.after_hello(conn)
            except OSError:
                return

    def after_hello(self, conn: socket.socket) -> None:
        conn.sendall(json.dumps({"kata_engine": 1, "key": self.key, "pid": os.getpid(), "worker_pid": 1}).encode()
                     + b"\n")
        reader = conn.makefile()
        line = reader.readline()
        while line == "\n":  # kata writes a newline before each line too (kata.contract.framing)
            line = reader.readline()
        if not line:  # hung up after the hello (`kata engine status` asks only for that)
            return
        asked = json.loads(line)
        if self.how == "wrong_run":  # a passing verdict, stamped for another run, then for none
            result = {"id": asked["id"], "name": asked["name"], "target": asked["target_label"], "status": "passed"}
            for run in ("f" * 32, ""):
                conn.sendall(json.dumps({"ev": "result", "result": result, "run": run, "id": asked["id"],
                                         "name": asked["name"], "target": asked["target"]}).encode() + b"\n")

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


IMPOSTOR_REFUSED_FOR = {"garbage": "not JSON", "silent": "no answer in time", "wrong_run": "an event of another run",
                        "silent_after_request": "no answer in time", "another_key": "started for another key"}


@pytest.mark.parametrize("how", ["garbage", "silent", "wrong_run", "silent_after_request", "another_key"])
def test_an_impostor_on_the_socket_never_gives_the_verdict(rt: Runtime, how: str) -> None:
    rt.verdict("01")
    [real] = rt.engines()
    assert rt.stop() == 1 and gone(real["pid"])
    if how == "another_key":  # a real daemon, started by hand for another key, on this key's socket
        daemon = subprocess.Popen([sys.executable, "-m", "kata.engine.daemon", real["socket"], "0" * 64,
                                   code_digest()], cwd=rt.ws, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not rt.engines() and time.monotonic() < deadline:
            time.sleep(0.05)
        stop = lambda: (daemon.terminate(), daemon.wait(30))  # noqa: E731
    else:
        fake = Fake(Path(real["socket"]), how, key=real["key"])
        stop = fake.close
    try:
        proc = rt.check(*DOUBLE, "--json", timeout=90)  # a hang fails here
        failed_as_the_stub_is(json.loads(proc.stdout))
        assert "not using the shared engine" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        # each impostor is refused where it lies, not earlier (its socket passes the ownership test)
        assert IMPOSTOR_REFUSED_FOR[how] in proc.stderr, proc.stderr
        if how == "another_key":
            assert "another key" in proc.stderr and [e["runs"] for e in rt.engines()] == [0], proc.stderr
    finally:
        stop()
    # A bad hello has the command start a real daemon in the impostor's place, for the next check.
    failed_as_the_stub_is(rt.verdict(*DOUBLE))


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


# --- lifetime, and runs that go wrong -------------------------------------------------------

def test_the_daemon_exits_after_its_idle_time(rt: Runtime) -> None:
    assert rt.verdict("01", KATA_ENGINE_IDLE_S="2")["status"] == "passed"
    [engine] = rt.engines()
    assert engine["idle_limit_s"] == 2 and gone(engine["pid"]) and gone(engine["worker_pid"]) and not rt.sockets()


def test_asking_for_status_does_not_keep_an_engine_alive(rt: Runtime) -> None:
    """`kata engine status` every half second (a script watching engines) must not reset an engine's idle
    time: it is no use of the engine, which goes after its 2 idle seconds all the same."""
    assert rt.verdict("01", KATA_ENGINE_IDLE_S="2")["status"] == "passed"
    deadline = time.monotonic() + 20
    while rt.engines() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not rt.engines() and not rt.sockets()


def test_a_worker_killed_mid_run_gives_a_clear_verdict_and_the_next_check_works(rt: Runtime, tmp_path: Path) -> None:
    rt.verdict("01", KATA_TEST_MARK=str(tmp_path / "mark"))  # warm, so the run starts at once
    [before] = rt.engines()
    proc, (child, worker), same = rt.spinner(tmp_path)
    assert worker == before["worker_pid"]
    os.kill(worker, signal.SIGKILL)
    verdict = json.loads(proc.communicate(timeout=60)[0])
    assert verdict["status"] == "crashed" and verdict["steps"][0]["name"] == "worker", verdict
    assert gone(child)
    assert rt.verdict("01", **same)["status"] == "passed"
    [after] = rt.engines()
    assert after["pid"] == before["pid"] and after["worker_pid"] not in (0, worker)


def test_a_check_finding_the_engine_busy_goes_fresh_and_a_run_whose_command_left_ends(rt: Runtime,
                                                                                       tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    manifest = course / "kata.toml"
    manifest.write_text(manifest.read_text().replace("timeout = 2", "timeout = 20", 1))  # add's steps: 20 s
    busy, (child, _worker), same = rt.spinner(tmp_path, "--course", str(course))
    with busy:
        proc = rt.check(*DOUBLE, "--json", **same)  # the same key: it finds the spinner running
        busy.kill()  # and then its command goes away, as a closed terminal would: that ends its run
    failed_as_the_stub_is(json.loads(proc.stdout))
    assert "answered busy" in proc.stderr, proc.stderr
    assert gone(child), "the learner's code kept running after its command went away"
    [before] = rt.engines()
    failed_as_the_stub_is(rt.verdict(*DOUBLE, **same))  # the engine is free again
    assert [e["pid"] for e in rt.engines()] == [before["pid"]]


def test_a_check_never_waits_behind_an_endless_loop_in_the_shared_engine(rt: Runtime, tmp_path: Path) -> None:
    """Issue 22: `kata check` on an endless loop holds the shared engine until its step limit; a second
    `kata check` meanwhile reads `busy` in the hello and goes fresh at once, so it finishes first."""
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    manifest = course / "kata.toml"
    manifest.write_text(manifest.read_text().replace("timeout = 2", "timeout = 5", 1))  # add's steps: 5 s
    spinning, _pids, same = rt.spinner(tmp_path, "--course", str(course))
    with spinning:
        proc = rt.check(*DOUBLE, "--json", **same)  # the same key: it finds the spinner running
        first_still_running = spinning.poll() is None
        out = spinning.communicate(timeout=120)[0]
    failed_as_the_stub_is(json.loads(proc.stdout))
    assert first_still_running, "the second check waited for the endless loop to be stopped"
    assert "another check is running in it" in proc.stderr, proc.stderr  # from the hello: nothing was sent
    assert json.loads(out)["status"] == "timeout", out
    [engine] = rt.engines()
    assert engine["runs"] == 1, "the second check ran in the shared engine after all"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "hung"])
def test_a_daemon_that_dies_or_hangs_mid_run_still_gives_the_true_verdict(rt: Runtime, tmp_path: Path,
                                                                           how: signal.Signals) -> None:
    rt.verdict("01", KATA_TEST_MARK=str(tmp_path / "mark"))
    [engine] = rt.engines()
    try:
        proc, _pids, _same = rt.spinner(tmp_path)
        os.kill(engine["pid"], how)
        out = proc.communicate(timeout=120)[0]  # the fresh engine runs it again: its step times out
        assert json.loads(out)["status"] == "timeout", out
        assert (tmp_path / "mark").exists()  # it ran again, in the fresh engine
    finally:
        if how == signal.SIGSTOP:
            os.kill(engine["pid"], signal.SIGCONT)
    if how == signal.SIGKILL:  # its socket file is left behind, and nothing answers on it: replaced
        assert gone(engine["pid"]) and gone(engine["worker_pid"]), "the worker outlived its daemon"
        assert [str(p) for p in rt.sockets()] == [engine["socket"]]
        failed_as_the_stub_is(rt.verdict(*DOUBLE, KATA_TEST_MARK=str(tmp_path / "mark")))
        [new] = rt.engines()
        assert (new["socket"], new["runs"]) == (engine["socket"], 1) and new["pid"] != engine["pid"]


def test_engines_are_capped_and_pythonpath_saves_do_not_mint_new_ones(rt: Runtime, tmp_path: Path, monkeypatch):
    """Workspaces in different folders each get an engine, but at most two live at once by default
    (the least recently used is stopped); saving into a PYTHONPATH folder keeps the same engine."""
    monkeypatch.delenv("KATA_MAX_ENGINES", raising=False)
    extra = tmp_path / "on_path"
    extra.mkdir()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(extra), os.environ.get("PYTHONPATH")) if p))
    first = rt.verdict(*DOUBLE)
    assert first["status"] == "failed"
    (extra / "helper_saved_later.py").write_text("X = 1\n")  # the folder's mtime moves
    rt.verdict(*DOUBLE)
    assert len(rt.sockets()) == 1  # one key: the same engine (socket files, not hellos: a loaded machine is slow)
    folders = []
    for name in ("ws2", "ws3"):
        other = tmp_path / name
        shutil.copytree(rt.ws, other)
        folders.append(str(other.resolve()))
        proc = rt.kata("check", *DOUBLE, "--json", cwd=other, timeout=120)
        assert json.loads(proc.stdout)["status"] == "failed", proc.stderr
    deadline = time.monotonic() + 30
    while len(rt.sockets()) > 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(rt.sockets()) == 2
    deadline = time.monotonic() + 30  # the two kept: the most recently used, never the first workspace's
    while sorted(str(Path(e["cwd"]).resolve()) for e in rt.engines()) != folders and time.monotonic() < deadline:
        time.sleep(0.2)
    engines = rt.engines()
    assert sorted(str(Path(e["cwd"]).resolve()) for e in engines) == folders, engines
    assert all(e["memory_mb"] > 0 for e in engines), engines  # daemon + warm worker: never nothing


def test_the_magic_in_a_kernel_and_kata_check_share_the_workspaces_engine(rt: Runtime) -> None:
    """Issue 21 item 4: one engine per workspace serves the terminal and the kernel. `kata check` in the
    workspace starts it; `%kata check` in a real IPython kernel whose folder is exercises/ runs in the same
    daemon and worker; `kata check` after it is that engine's third run."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    assert rt.verdict("01")["status"] == "passed"
    [first] = rt.engines()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (
        "%load_ext kata", "%kata check 01",
        "from kata import ipython; print(type(ipython._engine).__name__, ipython._engine.fresh, "
        "ipython._engine.daemon_pid, ipython._engine.worker_pid)")])
    nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(rt.ws / "exercises")}}).execute()
    said = ["".join(out.get("text", "") + out.get("data", {}).get("text/plain", "") for out in cell.outputs)
            for cell in nb.cells]
    assert "01 add" in said[1] and "passed" in said[1], said[1]
    assert said[2].split() == ["SharedEngine", "None", str(first["pid"]), str(first["worker_pid"])], said[2]
    [second] = rt.engines()
    assert (second["pid"], second["worker_pid"], second["runs"]) == (first["pid"], first["worker_pid"], 2)
    assert rt.verdict("01")["status"] == "passed"
    assert [e["runs"] for e in rt.engines()] == [3]
