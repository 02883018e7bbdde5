"""Which isolation `kata grade` uses, and that it says so: bubblewrap, a plain process, or local mode."""

import os
import shutil

from tests.conftest import FIXTURE_COURSE


def _class(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    shutil.copy(FIXTURE_COURSE / "solutions" / "02_double.py", subs / "ann.py")
    return subs


def test_require_sandbox_refuses_without_bubblewrap(kata, tmp_path):
    proc = kata("grade", str(_class(tmp_path)), "--course", str(FIXTURE_COURSE), "--require-sandbox",
                env={"KATA_NO_BWRAP": "1"})
    assert proc.returncode == 2
    assert "bubblewrap" in proc.stderr and "apt-get install bubblewrap" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_without_bubblewrap_rows_say_so(kata, tmp_path):
    rows = kata.json("grade", str(_class(tmp_path)), "--course", str(FIXTURE_COURSE), "-e", "02", "--json",
                     env={"KATA_NO_BWRAP": "1"})
    assert rows[0]["exercises_passed"] == 1
    assert "separate process" in rows[0]["isolation"] and "bubblewrap is not available" in rows[0]["isolation"]
    if os.geteuid() == 0:  # the learner's process becomes nobody (tests/e2e/test_grade_as_nobody.py)
        assert "as user nobody" in rows[0]["isolation"] and "can read your files" not in rows[0]["isolation"]
    else:
        assert "can read your files" in rows[0]["isolation"]


def test_local_mode_says_it_is_not_isolated(kata, tmp_path):
    rows = kata.json("grade", str(_class(tmp_path)), "--course", str(FIXTURE_COURSE), "-e", "02", "--json",
                     "--mode", "local")
    assert rows[0]["exercises_passed"] == 1
    assert rows[0]["isolation"].startswith("none")
