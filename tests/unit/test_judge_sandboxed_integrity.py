"""The integrity flag's two halves: what the learner's process notices (kata.judge.sandboxed.integrity,
an audit hook) and what the judge itself finds forged (kata.judge.errors.forged_error). The e2e side,
every attack class flagged and honest rows not: tests/e2e/test_grade_attacks.py."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from kata.judge.errors import forged_error
from kata.judge.sandboxed import integrity


def test_signals_to_oneself_and_ones_children_are_honest():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert integrity._kill((os.getpid(), 0)) == ""
        assert integrity._kill((child.pid, 0)) == ""
    finally:
        child.kill()
        child.wait()


def test_signals_aimed_elsewhere_are_noticed():
    assert "every process" in integrity._kill((-1, 9))
    assert "process group" in integrity._kill((0, 19))
    assert "not its own" in integrity._kill((os.getppid(), 15))
    assert "process group" in integrity._killpg((1234, 9))


def test_course_files_other_processes_memory_and_planted_modules(tmp_path):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "kata.toml").write_text("")
    assert "solutions/" in integrity._open((str(course / "solutions" / "anything.txt"), "r", 0))
    assert "solutions/" in integrity._listdir((str(course / "solutions"),))
    assert "checks/" in integrity._open(("/nowhere/checks/test_01_scale.py", "w", 0))  # no course in view
    assert integrity._open((str(tmp_path / "checks" / "data.csv"), "r", 0)) == ""  # a folder named so
    assert "memory" in integrity._open(("/proc/1/mem", "r+b", os.O_RDWR))
    assert integrity._open(("/proc/self/mem", "rb", 0)) == ""
    assert "later run" in integrity._open(("/tmp/sitecustomize.py", "w", 0))
    assert "later run" in integrity._open(("/tmp/x/os.py", None, os.O_WRONLY | os.O_CREAT))
    assert integrity._open(("/tmp/notes.txt", "w", 0)) == ""
    assert integrity._open(("/tmp/os.py", "r", 0)) == ""  # reading is not planting


def test_escape_tools_through_ctypes():
    assert "ptrace" in integrity._dlsym((None, "ptrace"))
    assert "outlives the run" in integrity._dlsym((None, b"msgget"))
    assert integrity._dlsym((None, "prctl")) == "" and integrity._dlsym((None, "memcpy")) == ""


def test_each_reason_is_sent_once_and_only_by_the_process_that_owns_the_socket():
    sent = []
    watch = integrity.Watch(sent.append)
    watch.note("a")
    watch.note("a")
    watch.note("b")
    assert sent == ["a", "b"]
    watch.pid = -1  # as in a forked helper
    watch.note("c")
    assert sent == ["a", "b"]


def test_an_honest_program_under_the_hook_sends_nothing(tmp_path):
    """Imports (found or not), its own files, temp files, its children: no notice at all."""
    program = textwrap.dedent(f"""
        import os, subprocess, sys, tempfile
        from kata.judge.sandboxed import integrity
        sent = []
        integrity.install(sent.append)
        try:
            import no_such_module_anywhere
        except ImportError:
            pass
        import json, csv, decimal
        open(__file__).read()
        with tempfile.NamedTemporaryFile("w", suffix=".py", dir={str(tmp_path)!r}) as f:
            f.write("x = 1")
        os.listdir({str(tmp_path)!r})
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        child.kill(); child.wait()
        try:
            raise ValueError("plain")
        except ValueError:
            pass
        os.kill(-1, 0) if False else None
        os.kill(os.getpid(), 0)
        print(sent)
    """)
    script = tmp_path / "honest.py"
    script.write_text(program)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_the_judge_finds_error_reports_kata_never_sends():
    assert forged_error({"type": "ValueError", "module": "builtins", "message": "x"}) == ""
    assert forged_error({"type": "KeyboardInterrupt", "module": "builtins", "message": ""}) == ""
    assert "never" in forged_error({"type": "KeyboardInterrupt", "module": "builtins", "told": "passed"})
    assert "not an object" in forged_error(["x"])
    assert forged_error({"type": "ForbiddenModule", "module": "kata.forbid.guard", "message": "x"}) == ""
    import kata.plugin.rerun  # noqa: F401  (loaded in the check child, where the judge reads errors)

    assert "kata's own" in forged_error({"type": "_Overtime", "module": "kata.plugin.rerun", "message": ""})


def test_the_learners_own_files_are_never_a_course_even_in_a_folder_named_solutions(tmp_path):
    """A class graded from a folder named `solutions/`: a traceback reading the learner's own file is honest."""
    mine = str(tmp_path / "solutions" / "01_scale.py")
    sent = []
    watch = integrity.Watch(sent.append, own=lambda: {mine})
    watch.hook("open", (mine, "r", 0))
    assert sent == []
    watch.hook("open", (str(tmp_path / "solutions" / "02_mean.py"), "r", 0))
    assert len(sent) == 1 and "solutions/" in sent[0]


def test_one_notice_a_kind_the_first_path_standing_for_the_rest():
    sent = []
    watch = integrity.Watch(sent.append)
    for folder in ("/a/solutions", "/b/solutions", "/c/solutions"):
        watch.note(f"listed a course's solutions/ ({folder})")
    watch.note("listed a course's checks/ (/a/checks)")
    assert sent == ["listed a course's solutions/ (/a/solutions)", "listed a course's checks/ (/a/checks)"]
