"""Stubs appear when they unlock: `kata init` writes the first stub only, a pass (`kata check`,
`kata watch`) or a skip writes the next, and no later exercise's file, so no answer the learner has
neither finished nor skipped, is ever in the workspace. Real `kata` processes on real files."""

from __future__ import annotations

import ast
import json
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSE, REPO
from tests.e2e.test_watch import WatchProcess

SECOND = REPO / "courses" / "pytorch-from-scratch"


def files(ws: Path) -> list[str]:
    return sorted(p.name for p in (ws / "exercises").iterdir() if p.is_file())


def test_each_stub_appears_as_it_unlocks(kata, tmp_path):
    ws = tmp_path / "ws"
    proc = kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--no-editor-config")
    assert proc.returncode == 0, proc.stderr
    assert files(ws) == ["01_add.py"]
    assert "the other 3 exercises' files appear as you unlock them" in proc.stdout

    listing = kata("list", cwd=ws).stdout
    assert "02  locked" in listing and "its file appears when it unlocks" in listing
    assert [row["status"] for row in json.loads(kata("list", "--json", cwd=ws).stdout)] == [
        "ready", "locked", "locked", "locked"]

    locked = kata("check", "02", cwd=ws)  # a locked exercise says so, and how to unlock it
    assert locked.returncode == 1 and "02 double is locked: finish 01 add first (or `kata skip 01`)" in locked.stdout
    refused = kata("reset", "02", "--yes", cwd=ws)  # its stub is not to be had this way either
    assert refused.returncode == 2 and "it appears in exercises/ when 02 unlocks" in refused.stderr
    assert files(ws) == ["01_add.py"]

    (ws / "exercises" / "01_add.py").write_text((FIXTURE_COURSE / "solutions" / "01_add.py").read_text())
    passed = kata("check", "01", cwd=ws)
    assert passed.returncode == 0 and "Unlocked: 02 Double a number → exercises/02_double.py" in passed.stdout
    assert files(ws) == ["01_add.py", "02_double.py"]
    assert (ws / "exercises" / "02_double.py").read_text() == (FIXTURE_COURSE / "exercises" / "02_double.py").read_text()

    skipped = kata("skip", cwd=ws)  # the fixture's stubs carry no answers: no question asked
    assert skipped.returncode == 0, skipped.stderr
    assert "Skipped 02 double. Next: 03 Return forty-two → exercises/03_spin.py" in skipped.stdout
    assert files(ws) == ["01_add.py", "02_double.py", "03_spin.py"]

    (ws / "exercises" / "03_spin.py").unlink()  # the learner deleted it: `kata reset` brings it back
    missing = kata("check", "03", cwd=ws)
    assert missing.returncode == 1 and "Run `kata reset 03` to get the stub back." in missing.stdout
    restored = kata("reset", "03", cwd=ws)
    assert restored.returncode == 0 and "exercises/03_spin.py is the original stub again" in restored.stdout
    assert files(ws) == ["01_add.py", "02_double.py", "03_spin.py"]


def test_a_pass_in_watch_brings_the_next_stub_and_no_check_of_it(kata, tmp_path):
    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--no-editor-config").returncode == 0
    proc = WatchProcess(ws)
    try:
        first = proc.wait_for(1)  # the fixture's 01 stub passes as it is
        assert first[0]["exercise"] == "add" and first[0]["status"] == "passed"
        end = time.monotonic() + 10
        while not (ws / "exercises" / "02_double.py").exists() and time.monotonic() < end:
            time.sleep(0.05)
        assert files(ws) == ["01_add.py", "02_double.py"]
        time.sleep(1.0)
        assert len(proc.verdicts()) == 1  # the new stub's arrival is no save: the screen still says Done
        (ws / "exercises" / "02_double.py").write_text("def double(x):\n    return 2 * x\n")
        assert proc.wait_for(2)[1]["status"] == "passed"
        end = time.monotonic() + 10
        while not (ws / "exercises" / "03_spin.py").exists() and time.monotonic() < end:
            time.sleep(0.05)
        out = proc.stop()
    finally:
        proc.stop()
    assert files(ws) == ["01_add.py", "02_double.py", "03_spin.py"]
    assert "Unlocked 02" in out and "Unlocked 03" in out


def test_skip_says_first_that_the_next_stub_holds_the_answer(kata, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    (course / "exercises" / "01_add.py").write_text("def add(a, b):\n    raise NotImplementedError\n")
    stub = course / "exercises" / "02_double.py"  # a stub that carries 01's answer as given code
    stub.write_text((course / "solutions" / "01_add.py").read_text() + "\n\n" + stub.read_text())
    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", str(course), "--no-editor-config").returncode == 0
    asked = kata("skip", cwd=ws)  # no terminal to ask in: refused, with the flag to add
    assert asked.returncode == 2
    assert "02_double.py holds add" in asked.stdout and "01's answer" in asked.stdout
    assert "so it was not skipped" in asked.stderr and "kata skip 01 --yes" in asked.stderr
    assert files(ws) == ["01_add.py"]
    assert json.loads(kata("list", "--json", cwd=ws).stdout)[0]["status"] == "ready"

    done = kata("skip", "--yes", cwd=ws)
    assert done.returncode == 0, done.stderr
    said, did = done.stdout.index("01's answer"), done.stdout.index("Skipped 01 add")
    assert said < did  # said before it is done
    assert files(ws) == ["01_add.py", "02_double.py"]


def test_the_second_courses_skip_asks_nothing(kata, tmp_path):
    """Its stubs import the learner's earlier files (kata.earlier) instead of carrying their answers."""
    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", "pytorch-from-scratch", "--no-editor-config").returncode == 0
    done = kata("skip", cwd=ws)
    assert done.returncode == 0, done.stderr
    assert "kata checks them with the reference 01 in place of yours" in done.stdout  # what the skip substitutes
    assert files(ws) == ["01_value_ops.py", "02_value_backward.py"]


def _answers(course: Path) -> dict[str, list[str]]:
    """Each exercise's answer, as the source text of every function its solution writes differently
    from its stub (docstrings dropped, so that a retold docstring cannot hide it)."""
    def functions(path: Path) -> dict[str, str]:
        text = path.read_text()
        found = {}
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if isinstance(node.body[0], ast.Expr) and isinstance(
                    getattr(node.body[0], "value", None), ast.Constant) else node.body
                if body:
                    lines = text.splitlines()[body[0].lineno - 1:body[-1].end_lineno]
                    found[node.name] = "\n".join(line.strip() for line in lines if line.strip())
        return found

    answers = {}
    for solution in sorted((course / "solutions").glob("*.py")):
        stub = functions(course / "exercises" / solution.name)
        answers[solution.name] = [body for name, body in functions(solution).items()
                                  if stub.get(name) != body and "raise NotImplementedError" not in body]
    return answers


def _holds(text: str, answer: str) -> bool:
    return answer in "\n".join(line.strip() for line in text.splitlines() if line.strip())


def test_a_new_workspace_of_the_second_course_holds_no_answer(kata, tmp_path):
    answers = _answers(SECOND)
    solution = (SECOND / "solutions" / "01_value_ops.py").read_text()
    assert answers["01_value_ops.py"] and all(_holds(solution, answer) for answer in answers["01_value_ops.py"])

    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", "pytorch-from-scratch").returncode == 0
    assert files(ws) == ["01_value_ops.py"]
    every = [p for p in ws.rglob("*") if p.is_file()]
    leaks = [(p.name, name) for p in every for name, found in answers.items()
             for answer in found if _holds(p.read_text(errors="replace"), answer)]
    assert not leaks, leaks


def test_notebooks_appear_as_they_unlock(kata, tmp_path):
    pytest.importorskip("jupytext", reason="kata[notebook] is not installed")
    ws = tmp_path / "nbws"
    proc = kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--notebooks", "--no-editor-config")
    assert proc.returncode == 0, proc.stderr
    assert files(ws) == ["01_add.ipynb", "01_add.py"]
    assert kata("check", "01", cwd=ws).returncode == 0
    assert files(ws) == ["01_add.ipynb", "01_add.py", "02_double.ipynb", "02_double.py"]
    assert kata("skip", "02", cwd=ws).returncode == 0
    assert files(ws) == ["01_add.ipynb", "01_add.py", "02_double.ipynb", "02_double.py",
                         "03_spin.ipynb", "03_spin.py"]
    (ws / "exercises" / "03_spin.ipynb").unlink()
    (ws / "exercises" / "03_spin.py").unlink()
    assert kata("reset", "03", cwd=ws).returncode == 0  # back as the workspace holds exercises: a notebook pair
    assert files(ws)[-2:] == ["03_spin.ipynb", "03_spin.py"]
