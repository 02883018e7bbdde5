"""`kata new` on a copy of the fixture course: the scaffold fails verify until it is written."""

import json
import shutil

from tests.conftest import FIXTURE_COURSE


def test_fresh_scaffold_fails_verify_until_written(kata, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    proc = kata("new", "triple", "--title", "Triple a number", cwd=course)
    assert proc.returncode == 0, proc.stderr
    assert "created    checks/test_05_triple.py" in proc.stdout

    proc = kata("verify", "05", cwd=course)
    assert proc.returncode == 1
    assert "the instructor must write real checks" in proc.stdout and "kata:scaffold" in proc.stdout
    assert "placeholders (TODO)" in proc.stdout

    (course / "exercises" / "05_triple.py").write_text(
        'def triple(x):\n    raise NotImplementedError("triple: three times x")\n')
    (course / "solutions" / "05_triple.py").write_text("def triple(x):\n    return 3 * x\n")
    (course / "checks" / "test_05_triple.py").write_text(
        'def test_three(exercise):\n    """triple(3) is 9"""\n    assert exercise.triple(3) == 9\n\n\n'
        'def test_negative(exercise):\n    """triple(-2) is -6"""\n    assert exercise.triple(-2) == -6\n')
    toml = (course / "kata.toml").read_text()
    start = toml.index('name = "triple"')
    hints_at = toml.index("hints = [", start)
    end = toml.index("]\n", hints_at) + 2
    (course / "kata.toml").write_text(toml[:hints_at] + 'hints = ["Multiply.", "return 3 * x"]\n' + toml[end:])
    proc = kata("verify", "triple", "--json", cwd=course)
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["exercises"][0]["ok"]


def test_insert_in_the_middle_keeps_a_learners_progress(kata, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", str(course)).returncode == 0
    assert kata("check", "01", cwd=ws).returncode == 0
    (ws / "exercises" / "02_double.py").write_text("def double(x):\n    return x * 2\n")
    assert kata("check", "02", cwd=ws).returncode == 0

    (course / "hidden").mkdir()
    (course / "hidden" / "test_02_double.py").write_text("def test_hidden(exercise):\n    assert True\n")
    proc = kata("new", "halve", "--after", "add", "--course", str(course))
    assert proc.returncode == 0, proc.stderr
    assert "renumbered 02_double → 03_double" in proc.stdout
    # its hidden checks move with it: left behind, `kata grade` would drop them without a word
    assert sorted(p.name for p in (course / "hidden").iterdir()) == ["test_03_double.py"]

    rows = {row["name"]: row for row in json.loads(kata("list", "--json", cwd=ws).stdout)}
    assert [rows[n]["status"] for n in ("add", "halve", "double", "spin")] == ["done", "ready", "done", "locked"]
    assert rows["double"]["id"] == "03" and rows["double"]["path"] == "exercises/02_double.py"
    assert kata("skip", "halve", cwd=ws).returncode == 0
    proc = kata("check", "double", "--json", cwd=ws)
    assert proc.returncode == 0 and json.loads(proc.stdout)["target"] == "exercises/02_double.py"


def test_new_outside_a_course_says_where_to_run_it(kata, tmp_path):
    proc = kata("new", "triple", cwd=tmp_path)
    assert proc.returncode == 2 and "--course" in proc.stderr
