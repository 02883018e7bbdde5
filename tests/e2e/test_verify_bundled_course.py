"""The bundled course checks itself: `kata verify` proves every stub fails and every solution passes."""

import json

import pytest

from tests.conftest import REPO


@pytest.mark.timeout(300)
def test_kata_verify_passes_on_the_bundled_course(kata):
    proc = kata("verify", "--json", cwd=REPO, timeout=300)
    verdict = json.loads(proc.stdout)
    problems = {e["id"]: e["problems"] for e in verdict["exercises"] if e["problems"]}
    assert proc.returncode == 0 and verdict["ok"], (verdict["problems"], problems)
    for exercise in verdict["exercises"]:
        assert exercise["solution"]["status"] == "passed"
        assert exercise["stub"]["status"] == "failed"
    # What learners reported: a failure that scrolled off the screen, progress bars and library warnings in
    # it. Every catalogued mistake (each caught as declared, or verify is not ok) reads in 15 lines, clean.
    unreadable = [w for e in verdict["exercises"] for w in e["warnings"] if w.startswith("mistakes/")]
    assert not unreadable, unreadable


def test_verify_text_reports_each_exercise_time(kata):
    proc = kata("verify", "01", "02", cwd=REPO)
    assert proc.returncode == 0, proc.stdout
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("01 relu") and " s" in lines[0]
    assert any("2/2 exercises verified in" in line for line in lines[-3:]), lines[-3:]
