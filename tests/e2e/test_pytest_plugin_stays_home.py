"""kata's pytest plugin is loaded in every project of a venv with kata, but acts only in a kata course.

Real pytest sessions in child processes: another project's `pytest.exit()` and KeyboardInterrupt
must end its session as pytest says (they once became failed tests and the session went on),
while a course's plain `pytest checks/` still gets the `exercise` fixture.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURE_COURSE


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
                          cwd=folder, capture_output=True, text=True, timeout=120)


def test_another_projects_pytest_exit_ends_its_session(tmp_path):
    (tmp_path / "test_other.py").write_text(
        "import pytest\n\n"
        "def test_a():\n    pytest.exit('stop here', returncode=3)\n\n"
        "def test_b():\n    pass\n")
    proc = _pytest(tmp_path, "-v")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "stop here" in proc.stdout + proc.stderr
    assert "test_b" not in proc.stdout  # the session ended: the next test never ran


def test_another_projects_keyboard_interrupt_ends_its_session(tmp_path):
    (tmp_path / "test_other.py").write_text(
        "def test_a():\n    raise KeyboardInterrupt\n\n"
        "def test_b():\n    pass\n")
    proc = _pytest(tmp_path, "-v")
    assert proc.returncode == 2, proc.stdout + proc.stderr  # pytest's "interrupted"
    assert "test_b" not in proc.stdout


def test_a_course_still_gets_the_plugin(tmp_path):
    proc = _pytest(FIXTURE_COURSE, "-q", "checks")
    assert "fixture 'exercise' not found" not in proc.stdout, proc.stdout[-3000:]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
