"""Issue 24, what goes back to students and to where marks are kept, driven through the real `kata grade` on
tests/points_course (points, weights, all or nothing, hidden checks): `--feedback DIR` (a page per student,
holding only that student's messages and prints, nothing of a hidden check's), `--roster --lms-csv` (a
Canvas gradebook, every cell formula-neutral) and `--gradescope` (results.json with the same points)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import Kata

ROOT = Path(__file__).resolve().parents[1]
POINTS_COURSE = ROOT / "points_course"
GRADING_COURSE = ROOT / "grading_course"
HIDDEN_MARKS = ("HIDDEN-CHECK-TEXT-9c41", "HIDDEN-EXPECTED-VALUE-0", "doubles zero", "doubles a float",
                "test_secret", "10**12", "1000000000000")
BOB = ('print("BOB-TOPLEVEL-7f3a <script>alert(1)</script>")\n'
       "def add(a, b):\n    print('BOB-ADD-7f3a', a, b)\n    return abs(a) + abs(b)\n\n"
       "def double(x):\n    return x + x if x else 1\n\n"
       "def negate(x):\n    return -x if x > 0 else x\n")
ROSTER = ("submission,id,student,sis_user_id,section\n"
          "ann,1001,Ann Lee,s1001,A\n"
          'bob,=2+2,"=HYPERLINK(""http://x"")",+s1002,@B\n'
          "cat,1003,Cat Kim,s1003,A\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("handback")
    subs = root / "class"
    (subs / "ann").mkdir(parents=True)
    for name in ("01_add.py", "02_double.py", "03_negate.py"):
        shutil.copy(POINTS_COURSE / "solutions" / name, subs / "ann" / name)
    add = subs / "ann" / "01_add.py"
    add.write_text(add.read_text().replace("def add(a, b):\n", "def add(a, b):\n    print('ANN-ADD-51c2', a, b)\n"))
    (subs / "bob.py").write_text(BOB)
    (root / "roster.csv").write_text(ROSTER)
    proc = Kata(root)("grade", str(subs), "--course", str(POINTS_COURSE), "--csv", str(root / "g.csv"),
                      "--feedback", str(root / "fb"), "--roster", str(root / "roster.csv"),
                      "--lms-csv", str(root / "lms.csv"), timeout=300)
    return root, proc


def _pages(root: Path) -> dict[str, str]:
    return {re.sub(r"^\d+-|\.html$", "", p.name): p.read_text(encoding="utf-8") for p in (root / "fb").iterdir()}


def test_each_page_holds_only_its_own_students_work(graded):
    root, proc = graded
    assert proc.returncode == 1, proc.stdout + proc.stderr
    pages = _pages(root)
    assert sorted(pages) == ["ann", "bob"]
    assert "ANN-ADD-51c2 1 2" in pages["ann"] and "7f3a" not in pages["ann"] and "bob" not in pages["ann"]
    assert "BOB-ADD-7f3a -1 -2" in pages["bob"] and "BOB-TOPLEVEL-7f3a" in pages["bob"]
    assert "51c2" not in pages["bob"] and "ann" not in pages["bob"].lower().replace("cannot", "")
    assert "assert 3 == -3" in pages["bob"]  # the first failure's message, relative path
    assert str(root) not in pages["bob"]


def test_a_page_shows_nothing_of_a_hidden_check(graded):
    root, _ = graded
    for who, page in _pages(root).items():
        for mark in HIDDEN_MARKS:
            assert mark not in page, (who, mark)
        assert "adds large numbers" in page  # hidden_titles lets this title show
    bob = _pages(root)["bob"]
    assert "a hidden check" in bob and "Some checks are hidden" in bob
    assert "BOB-ADD-7f3a 1000000000000" not in bob  # what the code printed during a hidden step stays out


def test_a_page_is_self_contained_and_escapes_what_the_student_controls(graded):
    root, _ = graded
    bob = _pages(root)["bob"]
    assert "<script" not in bob and "&lt;script&gt;alert(1)&lt;/script&gt;" in bob
    assert "<link" not in bob and "src=" not in bob and "http" not in bob


def test_pages_carry_the_same_points_as_the_csv(graded):
    root, _ = graded
    rows = {row["submission"]: row for row in csv.DictReader(io.StringIO((root / "g.csv").read_text()))}
    pages = _pages(root)
    for who in ("ann", "bob"):
        assert f"({rows[who]['points']}/{rows[who]['points_max']} points)" in pages[who]
    assert "(4/10 points)" in pages["bob"] and "(0/5 points)" in pages["bob"]


def test_the_roster_gradebook_is_canvas_shaped_and_formula_neutral(graded):
    root, proc = graded
    rows = list(csv.reader(io.StringIO((root / "lms.csv").read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "Section", "Points fixture course"]
    assert rows[1] == ["Ann Lee", "1001", "s1001", "A", "18"]
    assert rows[2] == ["'=HYPERLINK(\"http://x\")", "'=2+2", "'+s1002", "'@B", "6"]
    assert rows[3] == ["Cat Kim", "1003", "s1003", "A", ""]  # no submission: no grade, not 0
    for row in rows:
        assert all(not c or c[0] not in "=+-@\t\r" for c in row), row


def test_a_roster_without_its_columns_stops_before_grading(tmp_path):
    (tmp_path / "r.csv").write_text("name,email\nann,a@x\n")
    (tmp_path / "bob.py").write_text(BOB)
    proc = Kata(tmp_path)("grade", str(tmp_path / "bob.py"), "--course", str(POINTS_COURSE), "--roster",
                          str(tmp_path / "r.csv"), "--lms-csv", str(tmp_path / "out.csv"))
    assert proc.returncode == 2 and "no submission or id column" in proc.stderr, proc.stderr
    assert not (tmp_path / "out.csv").exists()
    proc = Kata(tmp_path)("grade", str(tmp_path / "bob.py"), "--course", str(POINTS_COURSE), "--roster",
                          str(tmp_path / "r.csv"))
    assert proc.returncode == 2 and "go together" in proc.stderr


def test_gradescope_results_hold_the_same_points(tmp_path):
    (tmp_path / "bob.py").write_text(BOB)
    out = tmp_path / "results.json"
    proc = Kata(tmp_path)("grade", str(tmp_path / "bob.py"), "--course", str(POINTS_COURSE), "--gradescope",
                          str(out), timeout=300)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 6.0 and "Isolation:" in data["output"]
    assert [(t["name"], t["score"], t["max_score"]) for t in data["tests"]] == [
        ("01 Add two numbers", 4.0, 10.0), ("02 Double a number", 0.0, 5.0), ("03 Negate a number", 2.0, 3.0)]
    assert sum(t["score"] for t in data["tests"]) == data["score"]
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    text = json.dumps(data)
    assert "BOB-ADD-7f3a -1 -2" in text and all(mark not in text for mark in HIDDEN_MARKS)


def test_a_failure_picture_reaches_the_page(tmp_path):
    """A wrong tensor's failure carries its picture (kata.feedback.picture), drawn on the page as text."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "01_scale.py").write_text(
        "import torch\n\ndef scale(x, k):\n    return x * k * torch.tensor([1.0, 0.0, 2.0])\n")
    proc = Kata(tmp_path)("grade", str(tmp_path / "sub"), "--course", str(GRADING_COURSE), "-e", "01",
                          "--feedback", str(tmp_path / "fb"), timeout=300)
    assert proc.returncode == 1, proc.stderr
    page = next((tmp_path / "fb").iterdir()).read_text(encoding="utf-8")
    assert "class='picture'" in page and "×" in page, page[-3000:]
    assert " failed, " not in page and "[100%]" not in page  # pytest's own lines are not the student's prints


def test_gradescope_refuses_several_submissions_and_a_missing_file_is_said(tmp_path):
    (tmp_path / "class" / "dan").mkdir(parents=True)
    shutil.copy(POINTS_COURSE / "solutions" / "01_add.py", tmp_path / "class" / "dan" / "01_add.py")
    (tmp_path / "class" / "bob.py").write_text(BOB)
    proc = Kata(tmp_path)("grade", str(tmp_path / "class"), "--course", str(POINTS_COURSE), "--gradescope",
                          str(tmp_path / "results.json"), "--feedback", str(tmp_path / "fb"), timeout=300)
    assert proc.returncode == 2 and "one submission's results, and 2 were graded" in proc.stderr, proc.stderr
    assert not (tmp_path / "results.json").exists()
    dan = next(p for p in (tmp_path / "fb").iterdir() if p.name.endswith("-dan.html")).read_text(encoding="utf-8")
    assert dan.count("No file was handed in for this exercise.") == 2 and "(10/10 points)" in dan
