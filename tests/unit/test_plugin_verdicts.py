"""A failed step's report skips pytest's traceback formatting when the engine reads the events (the
step's message is kata's own), and keeps it for a plain `pytest` run of a course's checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RECORD = '''
import os, sys, pytest

class Recorder:
    def pytest_runtest_logreport(self, report):
        if report.failed:
            print("\\nLONGREPR", type(report.longrepr).__name__, flush=True)

args = [sys.argv[1], "--kata-file=" + sys.argv[2], "-p", "kata.plugin", "-q", "-p", "no:cacheprovider"]
if sys.argv[3] == "events":
    args.append(f"--kata-events-fd={os.open(os.devnull, os.O_WRONLY)}")
pytest.main(args, plugins=[Recorder()])
'''


def _longreprs(tmp_path: Path, mode: str) -> list[str]:
    (tmp_path / "checks").mkdir(exist_ok=True)
    check = tmp_path / "checks" / "test_01_add.py"
    check.write_text("def test_add(exercise):\n    assert exercise.add(1, 2) == 3\n")
    answer = tmp_path / "answer.py"
    answer.write_text("def add(a, b):\n    return a - b\n")
    script = tmp_path / "record.py"
    script.write_text(RECORD)
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    proc = subprocess.run([sys.executable, str(script), str(check), str(answer), mode], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=120)
    return [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("LONGREPR")]


def test_with_an_events_fd_a_failure_is_reported_without_pytests_traceback(tmp_path: Path) -> None:
    assert _longreprs(tmp_path, "events") == ["str"]


def test_without_one_pytest_formats_it_as_usual(tmp_path: Path) -> None:
    assert _longreprs(tmp_path, "plain") == ["ExceptionChainRepr"]


def test_a_judged_error_text_with_digits_no_int_reads_names_no_line(tmp_path: Path) -> None:
    """Judged, the learner's process tells its own frames: '²' and '٣' are digits to str.isdigit but no
    line number, and reading them must give no pointer rather than break the step's verdict."""
    from kata.plugin.verdicts import _judged_pointer

    learner = tmp_path / "answer.py"
    learner.write_text("def scale(x, k):\n    raise ValueError\n")
    told = f"ValueError: oops\n{learner}:\u00b2 in scale\n{learner}:\u0663 in scale\n{learner}:-1 in scale"
    assert _judged_pointer(told, [tmp_path / "test_01.py", learner]) is None
