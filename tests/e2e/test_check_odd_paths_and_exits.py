"""A course under a folder with brackets in its name, and learner code that calls pytest.exit or pytest.skip."""

import shutil

import pytest

from tests.conftest import FIXTURE_COURSE

EXITS = '''import pytest


def add(a, b):
    pytest.exit("bye")


def double(x):
    pytest.skip("not today")
'''


@pytest.mark.parametrize("fork", ["1", "0"])
def test_a_course_path_with_brackets_runs(kata, tmp_path, fork):
    course = tmp_path / "week[1]" / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    proc = kata("check", "01", "--file", str(course / "solutions" / "01_add.py"), "--course", str(course), "--json",
                env={"KATA_NO_FORK": "0" if fork == "1" else "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"status": "passed"' in proc.stdout


def test_pytest_exit_and_skip_in_learner_code_fail_their_steps(kata, tmp_path):
    target = tmp_path / "exits.py"
    target.write_text(EXITS)
    results = kata.json("check", "01", "02", "--file", str(target), "--course", str(FIXTURE_COURSE), "--json")
    for result in results:
        assert result["status"] == "failed", result
        first = result["steps"][0]
        assert first["outcome"] == "failed" and "a check needs your function to return" in first["message"], first
    assert "pytest.exit('bye')" in results[0]["steps"][0]["message"]
    assert "pytest.skip('not today')" in results[1]["steps"][0]["message"]
