"""Issue 24, where marks go: `kata export gradescope` builds an autograder that, unzipped into a folder laid
out like Gradescope's (source/, submission/, results/), grades with run_autograder and writes a valid
results.json saying which isolation applied; `kata export github-classroom` writes a Classroom workflow
with each exercise's points. The pip/apt setup (setup.sh) is not run: this machine's kata is used."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Kata

POINTS_COURSE = Path(__file__).resolve().parents[1] / "points_course"
HALF = ("def add(a, b):\n    return abs(a) + abs(b)\n\n"
        "def double(x):\n    return x + x if x else 1\n\n"
        "def negate(x):\n    return -x if x > 0 else x\n")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _autograder(tmp_path: Path) -> Path:
    """The zip unzipped as Gradescope does: source/ holds it, run_autograder copied to the root."""
    zip_path = tmp_path / "autograder.zip"
    proc = Kata(tmp_path)("export", "gradescope", "--course", str(POINTS_COURSE), "-o", str(zip_path))
    assert proc.returncode == 0, proc.stderr
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "course/kata.toml", "course/hidden/test_01_add.py"} <= set(names)
        assert not any(n.startswith(("course/solutions", "course/mistakes")) for n in names)
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    for script in ("setup.sh", "run_autograder"):  # both parse as bash (setup.sh is not run: it installs)
        assert subprocess.run(["bash", "-n", str(root / "source" / script)]).returncode == 0
    (root / "submission").mkdir()
    for name, body in zip(("01_add.py", "02_double.py", "03_negate.py"), HALF.split("\n\n")):
        (root / "submission" / name).write_text(body + "\n")
    (root / "results").mkdir()
    return root


def _run(root: Path, **env: str) -> dict:
    full = dict(os.environ, KATA_AUTOGRADER_ROOT=str(root), KATA_PYTHON=sys.executable, NO_COLOR="1", **env)
    proc = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=full, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert isinstance(data["score"], (int, float)) and isinstance(data["tests"], list)
    for test in data["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert test["visibility"] in VISIBILITIES
    assert "HIDDEN-CHECK-TEXT-9c41" not in json.dumps(data)
    return data


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="the sandboxed path needs bubblewrap")
def test_the_autograder_grades_in_the_sandbox(tmp_path):
    data = _run(_autograder(tmp_path))
    assert data["score"] == 6.0
    assert [(t["score"], t["max_score"]) for t in data["tests"]] == [(4.0, 10.0), (0.0, 5.0), (2.0, 3.0)]
    assert "Isolation: bubblewrap sandbox" in data["output"]


def test_without_bubblewrap_it_still_grades_and_says_so(tmp_path):
    root = _autograder(tmp_path)
    data = _run(root, KATA_NO_BWRAP="1")
    assert data["score"] == 6.0
    assert "Isolation:" in data["output"] and "bubblewrap sandbox" not in data["output"]
    assert "no bubblewrap sandbox here" in (root / "results" / "kata.log").read_text()


SNOOP = """import os
ag = {ag!r}
for what, attempt in (("list-source", lambda: os.listdir(ag + "/source")),
                      ("read-source", lambda: open(ag + "/source/course/kata.toml").read()),
                      ("write-results", lambda: open(ag + "/results/planted.json", "w").write("{{}}"))):
    try:
        attempt()
        print("DID", what)
    except OSError as exc:
        print("could-not", what, type(exc).__name__)

def add(a, b):
    return abs(a) + abs(b)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason=(
    "the learner's process becomes nobody only when the autograder runs as root (as on Gradescope); "
    "this test does not run as root"))
def test_without_bubblewrap_as_root_the_learner_reaches_neither_source_nor_results(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="kata-autograder-"))  # world-traversable, unlike pytest's folder
    try:
        os.chmod(base, 0o755)
        root = _autograder(base)
        (root / "submission" / "01_add.py").write_text(SNOOP.format(ag=str(root)))
        data = _run(root, KATA_NO_BWRAP="1")
        planted = (root / "results" / "planted.json").exists()
        modes = {name: (root / name).stat().st_mode & 0o777 for name in ("source", "results")}
        results_mode = (root / "results" / "results.json").stat().st_mode & 0o777
    finally:
        shutil.rmtree(base)
    assert "Isolation: separate process as user nobody" in data["output"]
    printed = data["tests"][0]["output"]
    for what in ("list-source", "read-source", "write-results"):
        assert f"could-not {what} PermissionError" in printed, printed
    assert "DID" not in printed and not planted
    assert modes == {"source": 0o700, "results": 0o700} and results_mode == 0o600
    assert data["score"] == 6.0  # still graded, as the same answers are without the snooping


def test_a_broken_submission_folder_still_gets_a_results_file(tmp_path):
    root = _autograder(tmp_path)
    shutil.rmtree(root / "submission")
    data = _run(root)
    assert data["score"] == 0 and "could not grade" in data["output"]


def test_github_classroom_workflow_reports_each_exercises_points(tmp_path):
    proc = Kata(tmp_path)("export", "github-classroom", "--course", str(POINTS_COURSE), "-o", str(tmp_path / "repo"),
                          "--install", "kata points-course")
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "repo" / ".github" / "workflows" / "classroom.yml").read_text()
    assert "python -m pip install kata points-course" in text
    assert text.count("classroom-resources/autograding-command-grader@v1") == 3
    for ex_id, points in (("01", 10), ("02", 5), ("03", 3)):
        assert f'"kata grade . --course points -e {ex_id} --require-sandbox"' in text
        assert f"max-score: {points}\n" in text.split(f"id: ex{ex_id}\n", 1)[1].split("- name:", 1)[0]
    assert "runners: ex01,ex02,ex03" in text and "feedback, not proof" in text
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return
    data = yaml.safe_load(text)
    assert len(data["jobs"]["run-autograding-tests"]["steps"]) == 3 + 3 + 1
