"""`kata grade` with a course installed for the system's Python, under a folder the sandbox binds whole.

The sandbox binds `/usr/lib`, `/lib`, `/usr/bin`, ... read-only (`kata.judge.bwrap.SYSTEM`) and masks
course data only in the Python folders it walks (`course_masks(code_dirs())`). A course package
installed by the system's pip or apt (`/usr/lib/python3/dist-packages/...`) is not on the grading
Python's path when the grader uses a venv or another interpreter, so its `solutions/` are never
masked. `tests/hostile/grading/read_system_courses.py` walks the system folders for a course and
answers with its solutions; it must pass nothing and read nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pytest

from tests.conftest import HOSTILE, TESTS, Kata

COURSE = TESTS / "grading_course"
ATTACK = HOSTILE / "grading" / "read_system_courses.py"
SOLUTIONS = {
    "01_scale.py": "def scale(x, k):\n    return x * k\n",
    "02_mean.py": "def mean(values):\n    return sum(values) / len(values)\n",
    "03_nudge.py": "import torch\n\n\ndef nudge(x, lr):\n    with torch.no_grad():\n        x -= lr * x.grad\n",
}
pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None and os.environ.get("KATA_TEST_REQUIRE_BWRAP") != "1",
    reason="bubblewrap is not installed (apt-get install bubblewrap); .ci/run installs it")


def _system_folder() -> Path:
    for candidate in (Path("/usr/lib/python3/dist-packages"), Path("/usr/lib")):
        if candidate.is_dir() and os.access(candidate, os.W_OK):
            return candidate
    pytest.skip("no writable system folder to install a course in (run as root)")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tag = uuid.uuid4().hex[:12]
    package = _system_folder() / f"kata_test_system_course_{tag}"
    course = package / "a" / "b" / "c"
    secret = f"SYSTEM-COURSE-SECRET-{tag}"
    try:
        (course / "solutions").mkdir(parents=True)
        (course / "checks").mkdir()
        (course / "kata.toml").write_text('format_version = 1\nname = "fake"\ntitle = "Fake"\n')
        for name, text in SOLUTIONS.items():
            (course / "solutions" / name).write_text(f"# {secret}\n{text}")
            (course / "checks" / f"test_{name}").write_text(f"# {secret}\ndef test_it(exercise):\n    pass\n")
        root = tmp_path_factory.mktemp("system-course")
        subs = root / "class"
        subs.mkdir()
        shutil.copy(ATTACK, subs / ATTACK.name)
        proc = Kata(root)("grade", str(subs), "--course", str(COURSE), "--json", "--require-sandbox",
                          "--timeout", "15", "--jobs", "1", timeout=240)
    finally:
        shutil.rmtree(package, ignore_errors=True)
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip().startswith("{")]
    assert len(rows) == 1, proc.stderr[-3000:]
    return {"row": rows[0], "out": proc.stdout + proc.stderr, "secret": secret}


def test_the_row_was_sandboxed(graded):
    assert "bubblewrap" in graded["row"]["isolation"], graded["row"]["isolation"]


def test_a_system_course_gives_no_step(graded):
    """Not passed by grading nothing: every exercise ran the attack, which found no course and said so."""
    row = graded["row"]
    assert row["steps_passed"] == 0, json.dumps(row, indent=1)[:4000]
    assert row["steps_total"] > 0 and [r["name"] for r in row["results"]] == ["scale", "mean", "nudge"], \
        json.dumps(row, indent=1)[:4000]
    for result in row["results"]:
        messages = " ".join(step["message"] for step in result["steps"])
        assert result["status"] == "failed" and "in the system folders; read:" in messages, \
            json.dumps(result, indent=1)[:4000]


def test_a_system_course_is_not_in_view(graded):
    assert graded["secret"] not in graded["out"], graded["out"][:4000]
