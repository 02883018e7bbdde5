"""The example second course installs as a package and is found through the `kata.courses` entry point."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "vectors-course"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """examples/vectors-course installed by pip into a folder of its own, put on PYTHONPATH."""
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(EXAMPLE)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr  # needs hatchling: `pip install -e '.[test]'`
    return {"PYTHONPATH": str(target) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_kata_courses_lists_it(kata, site):
    proc = kata("courses", "--json", env=site)
    assert proc.returncode == 0, proc.stderr
    found = {c["name"]: c for c in json.loads(proc.stdout)}
    assert found["vectors"]["title"] == "Vectors in plain Python" and found["vectors"]["exercises"] == 3
    assert found["vectors"]["source"] == "kata-course-vectors" and "bundled" in found
    assert "vectors" in kata("courses", env=site).stdout


def test_init_check_and_verify_by_name(kata, site, tmp_path):
    proc = kata("init", "ws", "--course", "vectors", env=site)
    assert proc.returncode == 0, proc.stderr
    assert "Vectors in plain Python, 3 exercises" in proc.stdout
    ws = tmp_path / "ws"
    assert (ws / "exercises" / "01_dot.py").is_file()
    (result,) = kata.json("check", "--json", cwd=ws, env=site)
    assert result["name"] == "dot" and result["status"] == "failed"
    (ws / "exercises" / "01_dot.py").write_text(
        "def dot(u, v):\n    if len(u) != len(v):\n        raise ValueError\n"
        "    return sum(a * b for a, b in zip(u, v))\n")
    assert kata("check", cwd=ws, env=site).returncode == 0
    assert kata("verify", "--course", "vectors", env=site).returncode == 0


def test_an_unknown_course_name_says_what_is_installed(kata, site):
    proc = kata("init", "ws", "--course", "nope", env=site)
    assert proc.returncode == 2 and "vectors" in proc.stderr and "kata courses" in proc.stderr
