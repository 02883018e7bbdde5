"""`kata grade .` from inside the class folder: no student's file named like a standard-library module
(`html.py`, `decimal.py`, `difflib.py`, `csv.py`) is imported by kata, neither by the grading command
(`python -m kata` puts its working folder first on the import path) nor by the trusted engine workers
that run the checks; the wrong answers stay wrong."""

from __future__ import annotations

import json
import shutil

from tests.conftest import HOSTILE, TESTS, Kata

COURSE = TESTS / "grading_course"
SHADOWS = ("html", "decimal", "difflib", "csv", "xml", "textwrap", "fractions")


def test_a_student_file_named_like_a_standard_module_is_never_kata_s(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    shutil.copy(HOSTILE / "grading" / "right.py", subs / "right.py")
    shutil.copy(HOSTILE / "grading" / "wrong.py", subs / "wrong.py")
    marker = tmp_path / "imported-by"
    for name in SHADOWS:  # each notes who imported it, then makes every check pass in the process that did
        (subs / f"{name}.py").write_text(
            "import os, sys\n"
            "if os.path.abspath(sys.argv[0]) != os.path.abspath(__file__):  # not its own run as a submission\n"
            f"    with open({str(marker)!r}, 'a') as f:\n"
            f"        f.write({name!r} + ' ' + ' '.join(sys.argv[:2]) + '\\n')\n"
            "try:\n    import _pytest.python\n    _pytest.python.Function.runtest = lambda self: None\n"
            "except Exception:\n    pass\n"
            "def scale(x, k):\n    return x\n\ndef mean(values):\n    return 0\n\ndef nudge(x, lr):\n    pass\n")
    for mode in ("judged", "local"):
        proc = Kata(subs)("grade", ".", "--course", str(COURSE), "--json", "--jobs", "1", "--mode", mode, timeout=300)
        rows = {row["submission"]: row for row in map(json.loads, proc.stdout.splitlines())}
        assert not marker.exists(), f"{mode}: kata imported a student's module:\n{marker.read_text()}"
        assert rows["right"]["exercises_passed"] == 3, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert rows["wrong"]["exercises_passed"] == 0 and rows["wrong"]["steps_passed"] == 1, rows["wrong"]  # as alone
        if mode == "judged":  # local mode runs each file beside its checks: for one's own tests, not for marks
            for name in SHADOWS:
                assert rows[name]["exercises_passed"] == 0, rows[name]
