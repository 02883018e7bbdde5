"""Bad use of the command: clear messages, exit code 2, nothing lost."""

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import FIXTURE_COURSE, HOSTILE


def test_unknown_exercise_id(kata, fixture_ws):
    proc = kata("check", "42", cwd=fixture_ws)
    assert proc.returncode == 2
    assert "no exercise '42'" in proc.stderr and "kata list" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_outside_a_workspace(kata, tmp_path):
    proc = kata("check", "01", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not inside a kata workspace" in proc.stderr and "kata init" in proc.stderr


def test_every_workspace_command_outside_says_how_to_start(kata, tmp_path):
    for args in (["list"], ["hint"], ["skip", "01"], ["reset", "01"], ["solution", "01"], ["watch"], []):
        proc = kata(*args, cwd=tmp_path)
        assert proc.returncode == 2, args
        assert "kata init" in proc.stderr, args


def _broken_course(tmp_path, edit):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    edit(course)
    return course


def test_manifest_with_a_missing_file(kata, tmp_path):
    course = _broken_course(tmp_path, lambda c: (c / "checks" / "test_02_double.py").unlink())
    proc = kata("init", "ws", "--course", str(course))
    assert proc.returncode == 2
    assert "checks/test_02_double.py" in proc.stderr and "missing" in proc.stderr


def test_manifest_with_a_duplicate_name(kata, tmp_path):
    def dup(course):
        text = (course / "kata.toml").read_text().replace('name = "double"', 'name = "add"')
        (course / "kata.toml").write_text(text)
    course = _broken_course(tmp_path, dup)
    proc = kata("verify", "--course", str(course))
    assert proc.returncode == 2
    assert "'add'" in proc.stderr and "unique" in proc.stderr


def test_manifest_broken_after_init(kata, tmp_path):
    course = _broken_course(tmp_path, lambda c: None)
    assert kata("init", "ws", "--course", str(course)).returncode == 0
    (course / "kata.toml").write_text("format_version = [\n")
    proc = kata("list", cwd=tmp_path / "ws")
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr


def test_corrupt_progress_file_is_set_aside(kata, fixture_ws):
    assert kata("check", "01", cwd=fixture_ws).returncode == 0
    progress = fixture_ws / ".kata" / "progress.json"
    progress.write_text("\x00\x01 garbage")
    proc = kata("list", cwd=fixture_ws)
    assert proc.returncode == 0
    assert "corrupt" in proc.stderr and "kata check --all" in proc.stderr
    assert list((fixture_ws / ".kata").glob("progress.json.corrupt-*"))
    proc = kata("check", "--all", "--json", cwd=fixture_ws)
    statuses = [json.loads(line)["status"] for line in proc.stdout.splitlines()]
    assert statuses[0] == "passed" and statuses[1] == "failed"
    rows = json.loads(kata("list", "--json", cwd=fixture_ws).stdout)
    assert rows[0]["status"] == "done"


def test_two_checks_at_once_keep_both_verdicts(fixture_ws):
    kata_cmd = [sys.executable, "-m", "kata"]
    first = subprocess.run(kata_cmd + ["skip", "01"], cwd=fixture_ws, capture_output=True)
    assert first.returncode == 0
    procs = [subprocess.Popen(kata_cmd + ["check", ident, "--json"], cwd=fixture_ws,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for ident in ("01", "02")]
    outs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 1], outs
    data = json.loads((fixture_ws / ".kata" / "progress.json").read_text())
    assert data["exercises"]["add"]["status"] == "done"
    assert data["exercises"]["double"]["steps_passed"] == 2


def test_missing_file_for_file_option(kata, tmp_path):
    proc = kata("check", "01", "--file", str(tmp_path / "nope.py"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_file_option_needs_an_exercise(kata, tmp_path):
    proc = kata("check", "--file", str(HOSTILE / "nan.py"))
    assert proc.returncode == 2 and "--all" in proc.stderr


def test_hostile_file_through_the_cli_leaves_progress_alone(kata, fixture_ws):
    kata("check", "01", cwd=fixture_ws)
    before = (fixture_ws / ".kata" / "progress.json").read_text()
    proc = kata("check", "01", "--file", str(HOSTILE / "segfault.py"), "--json", cwd=fixture_ws)
    assert proc.returncode == 1 and json.loads(proc.stdout)["status"] == "crashed"
    assert (fixture_ws / ".kata" / "progress.json").read_text() == before


def test_learner_file_crashing_in_workspace_keeps_the_file(kata, fixture_ws):
    mine = fixture_ws / "exercises" / "01_add.py"
    mine.write_text((HOSTILE / "segfault.py").read_text())
    proc = kata("check", "01", cwd=fixture_ws)
    assert proc.returncode == 1 and "segmentation fault" in proc.stdout
    assert mine.read_text() == (HOSTILE / "segfault.py").read_text()


def test_a_broken_pytest_hook_is_an_error_not_a_verdict(kata, tmp_path):
    """If pytest or a plugin breaks, the learner must not see a plain 'failed' with no reason."""
    course = _broken_course(tmp_path, lambda c: (c / "checks" / "conftest.py").write_text(
        "def pytest_runtest_makereport(item, call):\n    raise RuntimeError('course hook is broken')\n"))
    proc = kata("check", "01", "--file", str(course / "solutions" / "01_add.py"), "--course", str(course))
    assert proc.returncode == 1
    assert "bug in kata or in the course" in proc.stdout
    assert "course hook is broken" in proc.stdout


def test_hint_and_skip_warn_about_a_corrupt_progress_file(kata, fixture_ws):
    for args in (["hint"], ["skip", "01"]):
        (fixture_ws / ".kata" / "progress.json").write_bytes(b"\xff\xfe not json")
        proc = kata(*args, cwd=fixture_ws)
        assert proc.returncode == 0, proc.stderr
        assert "corrupt" in proc.stderr, args


def test_the_worker_imports_no_course_conftest(kata, tmp_path):
    """A course's other conftests may compute with torch; the worker must never, before it forks."""
    marker = tmp_path / "imported.txt"
    def add_conftests(course):
        for folder in (course, course / "tests"):
            folder.mkdir(exist_ok=True)
            (folder / "conftest.py").write_text(f"open({str(marker)!r}, 'a').write('x')\n")
    course = _broken_course(tmp_path, add_conftests)
    proc = kata("check", "01", "--file", str(course / "solutions" / "01_add.py"), "--course", str(course))
    assert proc.returncode == 0, proc.stdout
    assert not marker.exists()


def test_json_steps_say_why_they_did_not_run(kata, fixture_ws):
    (result,) = kata.json("check", "03", "--json", cwd=fixture_ws)
    assert result["status"] == "locked"
    assert all("finish 01 add first" in step["message"] for step in result["steps"])
    (fixture_ws / "exercises" / "01_add.py").unlink()
    (result,) = kata.json("check", "01", "--json", cwd=fixture_ws)
    assert result["status"] == "error" and result["steps"]
    assert all("kata reset 01" in step["message"] for step in result["steps"])


def test_verify_names_a_broken_check_module_once(kata, tmp_path):
    def break_checks(course):
        path = course / "checks" / "test_01_add.py"
        path.write_text("import nonexistent_thing\n" + path.read_text())
    course = _broken_course(tmp_path, break_checks)
    proc = kata("verify", "01", "--course", str(course), "--seeds", "0", "--json")
    assert proc.returncode == 1
    (exercise,) = json.loads(proc.stdout)["exercises"]
    assert len(exercise["problems"]) == 1 and exercise["stub"] is None
    assert "checks/test_01_add.py cannot run" in exercise["problems"][0]
    assert "nonexistent_thing" in exercise["problems"][0]
    assert "valid Python names" not in exercise["problems"][0]  # pytest's file-name advice: not the cause here


def test_grade_blames_a_broken_check_module_on_the_course(kata, tmp_path):
    def break_checks(course):
        path = course / "checks" / "test_01_add.py"
        path.write_text("import nonexistent_thing\n" + path.read_text())
    course = _broken_course(tmp_path, break_checks)
    proc = kata("grade", str(course / "solutions" / "01_add.py"), "--course", str(course), "-e", "01")
    assert proc.returncode == 2
    assert "the checks of 01 add cannot run" in proc.stderr and "kata verify" in proc.stderr


@pytest.mark.parametrize("option", ["--gradescope", "--feedback", "--lms-csv"])
def test_grade_outputs_that_are_files_refuse_a_dash(kata, tmp_path, option):
    """`--csv -` prints to the terminal; these write files or folders, and once made one named `-`."""
    extra = ["--roster", str(tmp_path / "roster.csv")] if option == "--lms-csv" else []
    (tmp_path / "roster.csv").write_text("submission,id\n01_add,1\n")
    proc = kata("grade", str(FIXTURE_COURSE / "solutions" / "01_add.py"), "--course", str(FIXTURE_COURSE),
                option, "-", *extra)
    assert proc.returncode == 2 and "give its path" in proc.stderr, proc.stderr
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("engine", ["fresh", "shared"])
def test_the_users_own_pytest_options_never_reach_a_check(kata, fixture_ws, engine):
    """PYTEST_ADDOPTS set for the user's own projects (-v, --cov, an xdist flag) once broke every check run,
    reported as the learner's code ending the process."""
    (fixture_ws / "exercises" / "01_add.py").write_text((FIXTURE_COURSE / "solutions" / "01_add.py").read_text())
    proc = kata("check", "01", cwd=fixture_ws,
                env={"PYTEST_ADDOPTS": "--no-such-flag -v", "PYTEST_PLUGINS": "no_such_plugin", "KATA_ENGINE": engine})
    assert proc.returncode == 0 and "passed" in proc.stdout, proc.stdout + proc.stderr
