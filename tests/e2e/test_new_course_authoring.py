"""Authoring paths through the real command: a course started from an empty folder, a mistake recorded
from a wrong file, mistake folders renumbered, a moved course, and a course named either way."""

import json
import shutil

from tests.conftest import FIXTURE_COURSE

STUB = 'def relu(x):\n    raise NotImplementedError("relu: keep positives, 0.0 for the rest")\n'
SOLUTION = "def relu(x):\n    return max(x, 0.0)\n"
CHECK = '''
def test_positive(exercise):
    """relu(2.0) is 2.0"""
    got = exercise.relu(2.0)
    assert got == 2.0, f"relu(2.0) returned {got!r}, expected 2.0"


def test_negative(exercise):
    """relu(-3.0) is 0.0"""
    got = exercise.relu(-3.0)
    assert got != 3.0, "relu(-3.0) returned 3.0: that is abs(x), not relu"
    assert got == 0.0, f"relu(-3.0) returned {got!r}, expected 0.0"
'''


def test_a_course_started_from_an_empty_folder(kata, tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    proc = kata("new", "relu", "--course", str(course))
    assert proc.returncode == 0, proc.stderr
    assert "started    a course in" in proc.stdout and "created    mistakes/01_relu/" in proc.stdout
    assert (course / "kata.toml").is_file() and (course / "mistakes" / "01_relu").is_dir()
    assert kata("verify", "--course", str(course)).returncode == 1  # the scaffold is not a course yet

    (course / "exercises" / "01_relu.py").write_text(STUB)
    (course / "solutions" / "01_relu.py").write_text(SOLUTION)
    (course / "checks" / "test_01_relu.py").write_text(CHECK)
    toml = (course / "kata.toml").read_text()
    hints = toml.index("hints = [")
    (course / "kata.toml").write_text(toml[:hints] + 'hints = ["Use max.", "return max(x, 0.0)"]\n')
    proc = kata("verify", "--course", str(course), "--json")
    assert proc.returncode == 0, proc.stdout
    verdict = json.loads(proc.stdout)
    assert verdict["course"] == "course" and verdict["mutation"]["killed"] == verdict["mutation"]["total"] > 0

    # a known wrong answer, recorded with the message its first failing step gives
    wrong = tmp_path / "abs_value.py"
    wrong.write_text("def relu(x):\n    return abs(x)\n")
    proc = kata("new", "--mistake", "relu", str(wrong), "--course", str(course))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recorded = course / "mistakes" / "01_relu" / "abs_value.mistake"
    assert "created    mistakes/01_relu/abs_value.mistake" in proc.stdout
    text = recorded.read_text()
    assert text.startswith("# expect: relu(-3.0) returned 3.0: that is abs(x), not relu\n")
    # a patch against the solution: the line it changes, and what the wrong answer has instead
    assert text.endswith("# replace:\n    return max(x, 0.0)\n# with:\n    return abs(x)\n"), text
    assert kata("verify", "--course", str(course)).returncode == 0

    # when the solution changes under it, verify names the patch and the lines it cannot find
    (course / "solutions" / "01_relu.py").write_text("def relu(x):\n    return x if x > 0 else 0.0\n")
    proc = kata("verify", "--course", str(course))
    assert proc.returncode == 1 and "mistakes/01_relu/abs_value.mistake cannot be made from the solution" in proc.stdout
    assert "no longer applies" in proc.stdout and "return max(x, 0.0)" in proc.stdout
    (course / "solutions" / "01_relu.py").write_text(SOLUTION)

    proc = kata("new", "--mistake", "relu", str(wrong), "--course", str(course))
    assert proc.returncode == 2 and "already exists" in proc.stderr and "--name" in proc.stderr
    right = tmp_path / "right.py"
    right.write_text(SOLUTION)
    proc = kata("new", "--mistake", "01", str(right), "--name", "fine", "--course", str(course))
    assert proc.returncode == 2 and "passes every check" in proc.stderr
    assert not (course / "mistakes" / "01_relu" / "fine.mistake").exists()

    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", str(course)).returncode == 0
    assert (ws / "exercises" / "01_relu.py").read_text() == STUB


def test_new_says_when_it_renumbers_mistake_folders(kata, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    (course / "mistakes" / "02_double").mkdir(parents=True)
    (course / "mistakes" / "02_double" / "plus_one.py").write_text(
        "# expect: 7\ndef double(x):\n    return 2 * x + 1\n")
    proc = kata("new", "halve", "--after", "add", "--course", str(course))
    assert proc.returncode == 0, proc.stderr
    assert "renumbered mistakes/02_double → mistakes/03_double" in proc.stdout
    assert "created    mistakes/02_halve/" in proc.stdout
    assert (course / "mistakes" / "03_double" / "plus_one.py").is_file()


def test_a_moved_course_says_how_to_follow_it_and_init_repoints_the_workspace(kata, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", str(course)).returncode == 0
    assert kata("check", "01", cwd=ws).returncode == 0  # the add stub passes: 01 is done
    mine = "def double(x):\n    return x + x  # mine\n"
    (ws / "exercises" / "02_double.py").write_text(mine)

    moved = tmp_path / "elsewhere" / "course"
    moved.parent.mkdir()
    course.rename(moved)
    proc = kata("check", "02", cwd=ws)
    assert proc.returncode == 2
    assert f"not in {course} any more" in proc.stderr and "moved" in proc.stderr
    assert f"kata init {ws} --course NEW_PATH" in proc.stderr

    proc = kata("init", ".", "--course", str(moved), cwd=ws)
    assert proc.returncode == 0, proc.stderr
    assert f"it now follows the course in {moved}" in proc.stdout
    assert (ws / "exercises" / "02_double.py").read_text() == mine
    rows = {row["name"]: row for row in json.loads(kata("list", "--json", cwd=ws).stdout)}
    assert rows["add"]["status"] == "done"
    assert kata("check", "02", cwd=ws).returncode == 0

    other = tmp_path / "other"  # a different course is still refused
    shutil.copytree(moved, other)
    toml = other / "kata.toml"
    toml.write_text(toml.read_text().replace('name = "fixture"', 'name = "another"'))
    proc = kata("init", ".", "--course", str(other), cwd=ws)
    assert proc.returncode == 2 and "already a workspace" in proc.stderr


def test_a_course_is_named_by_its_entry_point_or_its_kata_toml_name(kata, tmp_path):
    listed = {c["name"]: c for c in json.loads(kata("courses", "--json").stdout)}
    assert listed["bundled"]["manifest_name"] == "nn-from-scratch"
    assert "also `nn-from-scratch`" in kata("courses").stdout
    proc = kata("init", str(tmp_path / "ws"), "--course", "nn-from-scratch")
    assert proc.returncode == 0, proc.stderr
    assert "Neural nets from scratch" in proc.stdout
    assert json.loads((tmp_path / "ws" / ".kata" / "settings.json").read_text())["course"] == "bundled"
