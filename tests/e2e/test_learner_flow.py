"""A learner's path through the fixture course, driving the real `kata` command."""

import json

from tests.conftest import FIXTURE_COURSE, REPO

STEP_KEYS = {"index", "name", "title", "outcome", "message", "duration_s"}
RESULT_KEYS = {"id", "name", "target", "status", "steps", "duration_s"}


def test_passing_exercise_unlocks_the_next(kata, fixture_ws):
    proc = kata("check", "01", cwd=fixture_ws)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "✓ adds small numbers" in proc.stdout and "✓ adds negative numbers" in proc.stdout
    assert "Unlocked: 02" in proc.stdout and "exercises/02_double.py" in proc.stdout
    listing = json.loads(kata("list", "--json", cwd=fixture_ws).stdout)
    assert [row["status"] for row in listing] == ["done", "ready", "locked", "locked"]
    assert listing[0]["steps_passed"] == 2 == listing[0]["steps_total"]
    assert set(listing[0]) == {"id", "name", "title", "path", "status", "steps_passed", "steps_total",
                               "changed_since_passed", "breaks"}
    assert listing[0]["changed_since_passed"] is False and listing[0]["breaks"] == ""


def test_failing_step_is_marked_and_shown_in_full(kata, fixture_ws):
    kata("check", "01", cwd=fixture_ws)
    proc = kata("check", "double", cwd=fixture_ws)
    assert proc.returncode == 1
    assert "✓ doubles a positive number" in proc.stdout
    assert "✗ doubles a negative number" in proc.stdout
    assert "First failure, step 2" in proc.stdout
    assert "02_double.py" in proc.stdout or "test_02_double.py:8" in proc.stdout
    row = json.loads(kata("list", "--json", cwd=fixture_ws).stdout)[1]
    assert row["status"] == "started" and row["steps_passed"] == 2 and row["steps_total"] == 3


def test_fixing_the_file_turns_every_step_green(kata, fixture_ws):
    kata("check", "01", cwd=fixture_ws)
    (fixture_ws / "exercises" / "02_double.py").write_text("def double(x):\n    return x * 2\n")
    proc = kata("check", "2", cwd=fixture_ws)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("✓") == 3


def test_locked_exercise_names_what_to_finish_first(kata, fixture_ws):
    proc = kata("check", "03", "--json", cwd=fixture_ws)
    assert proc.returncode == 1
    (result,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert result["status"] == "locked"
    text = kata("check", "03", cwd=fixture_ws).stdout
    assert "finish 01 add first" in text


def test_check_without_id_checks_the_current_exercise(kata, fixture_ws):
    kata("check", "01", cwd=fixture_ws)
    (result,) = kata.json("check", "--json", cwd=fixture_ws)
    assert result["name"] == "double"


def test_json_shape_with_file_outside_a_workspace(kata, tmp_path):
    mine = tmp_path / "any.py"
    mine.write_text("def relu(x):\n    return x if x > 0 else 0.0\n")
    proc = kata("check", "01", "--file", str(mine), "--json")
    assert proc.returncode == 0, proc.stderr
    (result,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert set(result) == RESULT_KEYS
    assert result["status"] == "passed" and result["name"] == "relu"
    assert all(set(step) == STEP_KEYS for step in result["steps"])
    assert [s["index"] for s in result["steps"]] == list(range(1, len(result["steps"]) + 1))


def test_check_all_file_runs_every_exercise(kata, tmp_path):
    mine = tmp_path / "all.py"
    mine.write_text("def add(a, b):\n    return a + b\n\ndef double(x):\n    return 2 * x\n")
    results = kata.json("check", "--all", "--file", str(mine), "--course", str(FIXTURE_COURSE), "--json")
    assert [r["status"] for r in results][:2] == ["passed", "passed"]
    assert len(results) == 4 and results[2]["status"] == "failed"


def test_hints_come_one_more_each_time(kata, fixture_ws):
    first = kata("hint", cwd=fixture_ws).stdout
    assert "Hint 1/2" in first and "Hint 2/2" not in first
    second = kata("hint", cwd=fixture_ws).stdout
    assert "Hint 1/2" in second and "Hint 2/2" in second and "last hint" in second


def test_solution_is_held_back_until_done(kata, fixture_ws):
    held = kata("solution", "02", cwd=fixture_ws)
    assert held.returncode == 2 and "not done yet" in held.stderr and "--yes" in held.stderr
    shown = kata("solution", "02", "--yes", cwd=fixture_ws)
    assert shown.returncode == 0 and "return 2 * x" in shown.stdout
    progress = json.loads((fixture_ws / ".kata" / "progress.json").read_text())
    assert progress["exercises"]["double"]["solution_viewed"] is True
    kata("check", "01", cwd=fixture_ws)
    assert "return a + b" in kata("solution", "01", cwd=fixture_ws).stdout


def test_reset_backs_up_the_learners_file(kata, fixture_ws):
    mine = fixture_ws / "exercises" / "02_double.py"
    mine.write_text("my precious attempt\n")
    refused = kata("reset", "02", cwd=fixture_ws)
    assert refused.returncode == 2 and mine.read_text() == "my precious attempt\n"
    proc = kata("reset", "02", "--yes", cwd=fixture_ws)
    assert proc.returncode == 0
    backups = list((fixture_ws / ".kata" / "backups").glob("02_double*.py"))
    assert [b.read_text() for b in backups] == ["my precious attempt\n"]
    assert mine.read_text() == (FIXTURE_COURSE / "exercises" / "02_double.py").read_text()


def test_skip_unlocks_the_next(kata, fixture_ws):
    assert kata("skip", "01", cwd=fixture_ws).returncode == 0
    listing = json.loads(kata("list", "--json", cwd=fixture_ws).stdout)
    assert [row["status"] for row in listing][:2] == ["skipped", "ready"]


def test_list_shows_a_done_file_changed_since(kata, fixture_ws):
    kata("check", "01", cwd=fixture_ws)
    (fixture_ws / "exercises" / "01_add.py").write_text("def add(a, b):\n    return b + a\n")
    assert "changed since it passed" in kata("list", cwd=fixture_ws).stdout


def test_commands_work_from_a_subfolder(kata, fixture_ws):
    assert kata("list", cwd=fixture_ws / "exercises").returncode == 0


def test_init_and_check_on_the_bundled_course(kata, tmp_path):
    assert kata("init", "ws").returncode == 0
    ws = tmp_path / "ws"
    proc = kata("check", "01", cwd=ws)
    assert proc.returncode == 1 and "✗" in proc.stdout and "NotImplementedError" in proc.stdout
    (ws / "exercises" / "01_relu.py").write_text("def relu(x: float) -> float:\n    return max(x, 0.0)\n")
    proc = kata("check", "01", cwd=ws)
    assert proc.returncode == 0 and "✗" not in proc.stdout
    listing = json.loads(kata("list", "--json", cwd=ws).stdout)
    assert listing[1]["status"] == "ready"


def test_importing_kata_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, kata, kata.cli, kata.checking, kata.engine, kata.report, kata.dev.verify; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == "False", out.stderr
