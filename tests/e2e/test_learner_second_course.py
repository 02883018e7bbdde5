"""The second bundled course, "PyTorch from scratch": found by name, taken by one learner from 01 to the finale,
verified, and shipped in the wheel."""

import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO

COURSE = REPO / "courses" / "pytorch-from-scratch"


def test_kata_courses_lists_both_bundled_courses(kata):
    proc = kata("courses", "--json")
    assert proc.returncode == 0, proc.stderr
    found = {c["name"]: c for c in json.loads(proc.stdout)}
    assert found["bundled"]["manifest_name"] == "nn-from-scratch"
    second = found["pytorch-from-scratch"]
    assert second["title"] == "PyTorch from scratch" and second["source"] == "bundled"
    assert second["exercises"] >= 18 and not second["problem"]


@pytest.mark.timeout(300)
def test_one_learner_takes_the_whole_course(kata, tmp_path):
    """init by name, the stubs fail, then every solution copied in as the learner's own: all done, in order."""
    proc = kata("init", "ws", "--course", "pytorch-from-scratch")
    assert proc.returncode == 0, proc.stderr
    ws = tmp_path / "ws"
    assert sorted(p.name for p in (ws / "exercises").glob("*.py")) == ["01_value_ops.py"]  # the rest as they unlock
    stubs = sorted(p.name for p in (COURSE / "exercises").glob("*.py"))
    assert len(stubs) >= 18 and stubs[0] == "01_value_ops.py" and stubs[-1] == "19_digits.py"
    (first,) = kata.json("check", "--json", cwd=ws)
    assert first["id"] == "01" and first["status"] == "failed" and "NotImplementedError" in json.dumps(first)

    for solution in sorted((COURSE / "solutions").glob("*.py")):
        shutil.copy(solution, ws / "exercises" / solution.name)
    results = kata.json("check", "--all", "--json", cwd=ws, timeout=280)
    assert [r["id"] for r in results] == [f"{n:02d}" for n in range(1, len(stubs) + 1)]
    failed = {r["id"]: r.get("message") or [s["message"] for s in r["steps"] if s["outcome"] != "passed"]
              for r in results if r["status"] != "passed"}
    assert not failed, failed
    listing = json.loads(kata("list", "--json", cwd=ws).stdout)
    assert [row["status"] for row in listing] == ["done"] * len(stubs)
    assert not (ws / ".hypothesis").exists()  # the checks' hypothesis keeps no database in the workspace


@pytest.mark.timeout(400)
def test_kata_verify_passes_on_the_second_course(kata):
    proc = kata("verify", "--json", "--course", "pytorch-from-scratch", timeout=380)
    verdict = json.loads(proc.stdout)
    problems = {e["id"]: e["problems"] for e in verdict["exercises"] if e["problems"]}
    assert proc.returncode == 0 and verdict["ok"], (verdict["problems"], problems)
    assert len(verdict["exercises"]) >= 18
    for exercise in verdict["exercises"]:
        assert exercise["solution"]["status"] == "passed"
        assert exercise["stub"]["status"] == "failed"
    # every catalogued mistake reads in 15 lines, clean: no warning of the reference earlier files it ran on
    unreadable = [w for e in verdict["exercises"] for w in e["warnings"] if w.startswith("mistakes/")]
    assert not unreadable, unreadable
    mistakes = sorted(p.parent.name for p in COURSE.glob("mistakes/*/*") if p.suffix in (".mistake", ".py"))
    assert all(mistakes.count(f"{e['id']}_{e['name']}") >= 3 for e in verdict["exercises"])


@pytest.mark.timeout(300)
def test_the_wheel_ships_the_second_course(tmp_path):
    """Built as `pip install .` builds it (needs hatchling: `pip install -e '.[test]'`), the installed kata finds it."""
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                           "--quiet", "-w", str(tmp_path / "wheel")], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "wheel").glob("kata-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    prefix = "kata/bundled_courses/pytorch-from-scratch/"
    for path in COURSE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert prefix + path.relative_to(COURSE).as_posix() in names
    assert prefix + "kata.toml" in names
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    code = ("from kata.course_sources import resolve; import kata; "
            "print(resolve('pytorch-from-scratch').is_relative_to(__import__('pathlib').Path(kata.__file__).parent))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "True", out.stderr
