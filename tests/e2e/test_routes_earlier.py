"""Issue 25: an exercise that imports an earlier one (`kata.earlier`). A learner's check judges it with the
earlier exercises resolved to the course's solutions, then on their own (kata.carry); `kata grade` runs the
submission's own earlier files, in the sandbox in judged mode (never a reference); `kata verify` runs the
mistakes with the reference."""

import json
from pathlib import Path

import pytest

TOML = '''format_version = 1
name = "library"
title = "A library that grows"

[[exercise]]
name = "base"
title = "One"
hints = ["h", "h"]

[[exercise]]
name = "grow"
title = "Two, from one"
hints = ["h", "h"]
'''
BASE = 'def one():\n    return 1\n'
GROW = '''from kata.earlier import earlier, extend

one = earlier("01").one


def two():
    return one() + 1
'''


def _course(root: Path) -> Path:
    for folder in ("checks", "exercises", "solutions", "mistakes/02_grow"):
        (root / folder).mkdir(parents=True)
    (root / "kata.toml").write_text(TOML)
    (root / "solutions" / "01_base.py").write_text(BASE)
    (root / "solutions" / "02_grow.py").write_text(GROW)
    (root / "exercises" / "01_base.py").write_text('def one():\n    raise NotImplementedError("one")\n')
    (root / "exercises" / "02_grow.py").write_text(GROW.replace("return one() + 1", 'raise NotImplementedError("two")'))
    (root / "checks" / "test_01_base.py").write_text('def test_one(exercise):\n    """one is 1"""\n    assert exercise.one() == 1\n')
    (root / "checks" / "test_02_grow.py").write_text('def test_two(exercise):\n    """two is 2"""\n    assert exercise.two() == 2\n')
    (root / "mistakes" / "02_grow" / "plus_two.mistake").write_text(
        "# expect: assert\n# breaks: two\n# replace:\n    return one() + 1\n# with:\n    return one() + 2\n")
    (root / "mistakes" / "02_grow" / "minus.mistake").write_text(
        "# expect: assert\n# breaks: two\n# replace:\n    return one() + 1\n# with:\n    return one() - 1\n")
    (root / "mistakes" / "02_grow" / "times.mistake").write_text(
        "# expect: assert\n# breaks: two\n# replace:\n    return one() + 1\n# with:\n    return one() * 1\n")
    return root


@pytest.mark.timeout(200)
def test_own_step_uses_the_reference_and_grading_the_submissions_own(kata, tmp_path):
    course = _course(tmp_path / "course")
    verdict = json.loads(kata("verify", "--json", "--course", str(course), "--mutants", "0", timeout=150).stdout)
    assert verdict["ok"], [e["problems"] for e in verdict["exercises"]]

    sub = tmp_path / "class" / "ann"
    sub.mkdir(parents=True)
    (sub / "01_base.py").write_text("def one():\n    return 5\n")  # wrong
    (sub / "02_grow.py").write_text(GROW)  # right, given a right 01
    for mode in ("local", "judged"):  # graded on the submission's own 01 in both modes, never the reference
        (row,) = kata.json("grade", str(sub), "--course", str(course), "--json", "--jobs", "1", "--mode", mode,
                           timeout=150)
        statuses = {r["id"]: r["status"] for r in row["results"]}
        assert statuses == {"01": "failed", "02": "failed"}, (mode, row)
        two = next(r for r in row["results"] if r["id"] == "02")
        assert "note: 02 builds on your 01, which failed too" in json.dumps(two), (mode, two)  # grading rule (b)
    (sub / "01_base.py").write_text("def one():\n    raise ValueError('boom in 01')\n")
    for mode in ("local", "judged"):  # rule (a): an exception from 01 is named as 01's where it happened
        (row,) = kata.json("grade", str(sub), "--course", str(course), "--json", "--jobs", "1", "--mode", mode,
                           timeout=150)
        two = json.dumps(next(r for r in row["results"] if r["id"] == "02"))
        assert "This comes from your `one` from exercise 01 (01_base.py)" in two and "boom in 01" in two, (mode, two)
        assert "builds on your 01" not in two  # said once
    ws = tmp_path / "ws"  # while a learner's `kata check` judges 02 with the reference 01
    assert kata("init", str(ws), "--course", str(course), "--no-editor-config").returncode == 0
    (ws / "exercises" / "01_base.py").write_text("def one():\n    return 1\n")
    assert kata("check", "01", cwd=ws).returncode == 0
    (ws / "exercises" / "01_base.py").write_text("def one():\n    return 5\n")  # broken after it passed
    (ws / "exercises" / "02_grow.py").write_text(GROW)
    (mine,) = kata.json("check", "02", "--json", cwd=ws)
    assert mine["status"] == "passed" and "With the reference 01 in place of your 01_base.py" in mine["carry"], mine
    assert "your `one` from exercise 01" in mine["carry"]
    ws2 = tmp_path / "ws2"  # a skipped 01 is taken from the reference (what `kata skip` substitutes)
    assert kata("init", str(ws2), "--course", str(course), "--no-editor-config").returncode == 0
    (ws2 / "exercises" / "01_base.py").write_text("def one():\n    return 5\n")
    assert kata("skip", "01", "--yes", cwd=ws2).returncode == 0
    (ws2 / "exercises" / "02_grow.py").write_text(GROW)
    (mine,) = kata.json("check", "02", "--json", cwd=ws2)
    assert mine["status"] == "passed" and "carry" not in mine, mine
    (sub / "01_base.py").write_text("def one():\n    return 1\n")
    (row,) = kata.json("grade", str(sub), "--course", str(course), "--json", "--jobs", "1", timeout=150)
    assert [r["status"] for r in row["results"]] == ["passed", "passed"], row


@pytest.mark.timeout(200)
def test_a_one_file_submission_never_gets_a_classmates_file_as_its_earlier(kata, tmp_path):
    """A class of one-file submissions: carol's `01_carol.py` holds a right 01; bob's `02_bob.py` solves
    nothing itself and takes 01 through `earlier("01")`. The files beside a one-file submission are
    other students', so bob's `earlier` finds nothing, on every route, as when he is graded alone."""
    course = _course(tmp_path / "course")
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "01_carol.py").write_text("# carol's own work\n" + BASE)
    (klass / "02_bob.py").write_text(GROW)
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "02_bob.py").write_text(GROW)
    for mode in ("local", "judged"):
        rows = {row["submission"]: row for row in kata.json(
            "grade", str(klass), "--course", str(course), "--json", "--jobs", "1", "--mode", mode, "-e", "grow",
            timeout=150)}
        (by_itself,) = kata.json("grade", str(alone / "02_bob.py"), "--course", str(course), "--json",
                                 "--jobs", "1", "--mode", mode, "-e", "grow", timeout=150)
        (bob,) = rows["02_bob"]["results"]
        assert bob["status"] != "passed", (mode, bob)
        assert "carol" not in json.dumps(bob), (mode, bob)
        assert [s["outcome"] for s in bob["steps"]] == [s["outcome"] for s in by_itself["results"][0]["steps"]]
        assert set(rows) == {"01_carol", "02_bob"}, rows
