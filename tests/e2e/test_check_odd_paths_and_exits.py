"""A course under a folder with brackets in its name, and learner code that calls pytest.exit or pytest.skip."""

import json
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


def test_a_save_during_a_check_never_mixes_the_new_file_into_the_old_ones_error(kata, tmp_path):
    """The error of the code that ran is shown with its own lines: the file saved again meanwhile (here the
    learner's code rewrites it as it runs) once put a line of the new file beside the old file's error."""
    answer = tmp_path / "answer.py"
    answer.write_text("def add(a, b):\n"
                      "    open(__file__, 'w').write('def add(a, b):\\n    x = 1\\n    return a + b  # NEW LINE\\n')\n"
                      "    raise ValueError('the old version')\n")
    proc = kata("check", "01", "--file", str(answer), "--course", str(FIXTURE_COURSE), "--json")
    (result,) = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    message = result["steps"][0]["message"]
    assert "raise ValueError('the old version')" in message and "NEW LINE" not in message, message
