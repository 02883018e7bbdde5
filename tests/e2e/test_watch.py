"""`kata watch` driven as a learner drives it: a real process, real saves, real watchdog events."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import HOSTILE

GOOD_ADD = "def add(a, b):\n    return a + b\n"
BAD_ADD = "def add(a, b):\n    return a - b\n"


class WatchProcess:
    """`kata watch --events FILE` in a workspace, read through its events file."""

    def __init__(self, ws: Path, *args: str, stdin=subprocess.DEVNULL, env: dict | None = None) -> None:
        self.ws = ws
        self.events = ws / "events.jsonl"
        full_env = dict(os.environ, NO_COLOR="1", **(env or {}))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kata", "watch", "--events", str(self.events), *args],
            cwd=ws, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env,
        )

    def verdicts(self) -> list[dict]:
        if not self.events.exists():
            return []
        return [json.loads(line) for line in self.events.read_text().splitlines() if line.strip()]

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        return self.wait_until(lambda found: len(found) >= count, timeout, f"{count} verdicts")

    def wait_until(self, enough, timeout: float = 30, what: str = "the verdict awaited") -> list[dict]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.verdicts()
            if enough(found):
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise AssertionError(f"expected {what}, got {self.verdicts()}; output:\n{self.output}")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.output = out
        return out

    output = ""


@pytest.fixture
def watch(fixture_ws):
    started = []

    def start(*args: str, **kw) -> WatchProcess:
        proc = WatchProcess(fixture_ws, *args, **kw)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def exercise_file(ws: Path, name: str = "01_add.py") -> Path:
    return ws / "exercises" / name


# ---- the ways editors save ----

def save_plain(path: Path, text: str) -> None:
    path.write_text(text)


def save_atomic_replace(path: Path, text: str) -> None:
    """VS Code and most editors: write a temp file beside it, then rename it over."""
    tmp = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_vim(path: Path, text: str) -> None:
    """vim's default on Linux: swap file, rename the original to a backup, write anew, drop the backup."""
    swap = path.with_name(f".{path.name}.swp")
    swap.write_bytes(b"b0VIM 9.0")
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)
    with open(path, "w") as handle:
        handle.write(text)
    os.unlink(backup)
    swap.unlink()


def save_jetbrains(path: Path, text: str) -> None:
    """JetBrains safe write: write ___jb_tmp___, move the original to ___jb_old___, move tmp in."""
    tmp = path.with_name(path.name + "___jb_tmp___")
    old = path.with_name(path.name + "___jb_old___")
    tmp.write_text(text)
    os.rename(path, old)
    os.rename(tmp, path)
    os.unlink(old)


@pytest.mark.parametrize("save", [save_plain, save_atomic_replace, save_vim, save_jetbrains],
                         ids=["plain", "atomic-replace", "vim", "jetbrains"])
def test_every_editor_save_triggers_exactly_one_check(watch, fixture_ws, save):
    proc = watch()
    first = proc.wait_for(1)
    assert first[0]["exercise"] == "add" and first[0]["status"] == "passed" and first[0]["trigger"] == "start"
    save(exercise_file(fixture_ws), BAD_ADD)
    verdicts = proc.wait_for(2)
    assert verdicts[1]["status"] == "failed" and verdicts[1]["trigger"] == "save"
    save(exercise_file(fixture_ws), GOOD_ADD)
    verdicts = proc.wait_for(3)
    assert verdicts[2]["status"] == "passed"
    time.sleep(0.8)
    assert len(proc.verdicts()) == 3, "one save must give one check"


def test_reads_pycache_swap_and_temp_files_never_trigger(watch, fixture_ws):
    proc = watch()
    proc.wait_for(1)
    folder = fixture_ws / "exercises"
    exercise_file(fixture_ws).read_text()
    (folder / "__pycache__").mkdir(exist_ok=True)
    (folder / "__pycache__" / "01_add.cpython-311.pyc").write_bytes(b"\x00" * 16)
    (folder / ".01_add.py.swp").write_text("swap")
    (folder / "01_add.py~").write_text("backup")
    (folder / "notes.txt").write_text("my notes")
    (folder / "01_add.py.tmp").write_text("temp")
    time.sleep(1.0)
    assert len(proc.verdicts()) == 1
    save_plain(exercise_file(fixture_ws), BAD_ADD)
    assert proc.wait_for(2)[1]["status"] == "failed"


def test_passing_unlocks_and_saves_elsewhere_check_that_file(watch, fixture_ws):
    proc = watch()
    proc.wait_for(1)
    save_plain(exercise_file(fixture_ws, "02_double.py"), "def double(x):\n    return x * 2\n")
    verdicts = proc.wait_for(2)
    assert verdicts[1]["exercise"] == "double" and verdicts[1]["status"] == "passed"
    save_plain(exercise_file(fixture_ws, "04_boom.py"), "def one():\n    return 1\n")
    # A plain save truncates, then writes: a read between the two gives a digest that no check saw,
    # so the close that follows is checked once more (02 passes again). The next verdict of 04 is
    # what this test is about.
    verdicts = proc.wait_until(lambda found: any(v["exercise"] == "boom" for v in found))
    boom = [v for v in verdicts if v["exercise"] == "boom"]
    assert boom[0]["status"] == "locked", verdicts
    assert all(v["status"] == "passed" for v in verdicts[1:] if v["exercise"] == "double"), verdicts
    out = proc.stop()
    assert "Unlocked 02" in out and "exercises/02_double.py" in out
    assert "finish 03 spin first" in out


def test_a_save_during_a_check_is_never_lost(watch, fixture_ws):
    proc = watch()
    proc.wait_for(1)
    path = exercise_file(fixture_ws)
    save_plain(path, "import time\n\ndef add(a, b):\n    time.sleep(0.6)\n    return a - b\n")
    time.sleep(0.25)  # the slow check above is running now
    save_atomic_replace(path, GOOD_ADD)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        verdicts = proc.verdicts()
        if len(verdicts) >= 2 and verdicts[-1]["status"] == "passed":
            break
        time.sleep(0.05)
    verdicts = proc.verdicts()
    assert verdicts[-1]["status"] == "passed", verdicts
    assert 2 <= len(verdicts) <= 3, "saves during a run coalesce into one more run"


def test_misbehaving_code_never_stops_watch(watch, fixture_ws):
    proc = watch()
    proc.wait_for(1)
    path = exercise_file(fixture_ws)
    for number, (name, status) in enumerate([
        ("segfault.py", "crashed"), ("infinite_loop.py", "timeout"), ("os_exit_at_import.py", "crashed"),
        ("sys_exit_at_import.py", "error"), ("syntax_error.py", "error"), ("memory_bomb.py", "failed"),
    ], start=2):
        save_atomic_replace(path, (HOSTILE / name).read_text())
        assert proc.wait_for(number)[-1]["status"] == status, name
    save_atomic_replace(path, GOOD_ADD)
    assert proc.wait_for(8)[-1]["status"] == "passed"
    assert proc.proc.poll() is None


def test_polling_when_forced(watch, fixture_ws):
    proc = watch("--poll")
    proc.wait_for(1)
    save_atomic_replace(exercise_file(fixture_ws), BAD_ADD)
    assert proc.wait_for(2)[1]["status"] == "failed"
    assert "Polling for changes: --poll was given" in proc.stop()


def test_falls_back_to_polling_when_events_do_not_arrive(watch, fixture_ws):
    proc = watch(env={"KATA_PROBE_WAIT_S": "0"})  # 0: the probe counts events as missing
    proc.wait_for(1)
    save_plain(exercise_file(fixture_ws), BAD_ADD)
    assert proc.wait_for(2)[1]["status"] == "failed"
    assert "file events did not arrive" in proc.stop()


def test_events_lines_have_the_documented_fields(watch):
    proc = watch()
    (verdict,) = proc.wait_for(1)
    assert {"exercise", "status", "steps_passed", "steps_total", "duration_s", "timestamp"} <= set(verdict)
    assert verdict["steps_passed"] == verdict["steps_total"] == 2


def test_keys_from_a_terminal(fixture_ws):
    leader, follower = pty.openpty()
    proc = WatchProcess(fixture_ws, stdin=follower)
    try:
        proc.wait_for(1)
        os.write(leader, b"h")
        time.sleep(0.5)
        os.write(leader, b"r")
        proc.wait_for(2)
        os.write(leader, b"n")
        verdicts = proc.wait_for(3)
        assert verdicts[2]["exercise"] == "double"
        os.write(leader, b"q")
        out, _ = proc.proc.communicate(timeout=15)
    finally:
        os.close(leader)
        os.close(follower)
    assert proc.proc.returncode == 0
    assert "Hint 1/2 for 01 add: Use +." in out
    assert "n next · h hint" in out


def test_a_file_that_comes_back_unchanged_is_checked_again(fixture_ws):
    """Moved away, `r` says it is missing; moved back as it was, watch checks it again (it once kept
    showing 'missing': the text was the one it had last checked)."""
    leader, follower = pty.openpty()
    proc = WatchProcess(fixture_ws, stdin=follower)
    target, away = exercise_file(fixture_ws), fixture_ws / "01_add.py.away"
    try:
        assert proc.wait_for(1)[0]["status"] == "passed"
        os.rename(target, away)
        time.sleep(0.5)
        os.write(leader, b"r")
        assert proc.wait_for(2)[1]["status"] != "passed"
        os.rename(away, target)
        verdicts = proc.wait_for(3)
        assert verdicts[2]["exercise"] == "add" and verdicts[2]["status"] == "passed", verdicts
        os.write(leader, b"q")
        proc.proc.communicate(timeout=15)
    finally:
        os.close(leader)
        os.close(follower)
        if away.exists():
            os.rename(away, target)


def test_hints_already_shown_stay_on_screen_after_the_next_save(fixture_ws):
    leader, follower = pty.openpty()
    proc = WatchProcess(fixture_ws, stdin=follower)
    try:
        proc.wait_for(1)
        save_plain(exercise_file(fixture_ws), BAD_ADD)
        proc.wait_for(2)
        os.write(leader, b"h")
        time.sleep(0.5)
        save_plain(exercise_file(fixture_ws), BAD_ADD + "\n")
        proc.wait_for(3)
        out = proc.stop()
    finally:
        os.close(leader)
        os.close(follower)
    last_screen = out.rsplit("01 add  (", 1)[1]
    assert "Hint 1/2: Use +." in last_screen


def test_a_skip_in_another_terminal_unlocks_in_watch(watch, fixture_ws, kata):
    proc = watch()
    proc.wait_for(1)
    assert kata("skip", "01", cwd=fixture_ws).returncode == 0
    save_plain(exercise_file(fixture_ws, "02_double.py"), "def double(x):\n    return 2 * x\n")
    assert proc.wait_for(2)[1]["status"] == "passed"


def test_a_corrupt_progress_file_is_announced_on_screen(watch, fixture_ws):
    (fixture_ws / ".kata" / "progress.json").write_text("{ not json")
    proc = watch()
    proc.wait_for(1)
    assert "warning: Your progress file" in proc.stop()
