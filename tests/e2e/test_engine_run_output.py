"""A run's own output (outside any step) is what the learner's process wrote to its stdout, never
pytest's report: the progress letters and summary go to /dev/null in a check child, so they neither
reach a verdict ("Last output before it died") nor wake the supervisor at each step."""

from __future__ import annotations

from pathlib import Path

from kata.course import load_course
from kata.engine.client import CheckRequest, Engine
from tests.conftest import FIXTURE_COURSE


def test_the_output_holds_the_learners_writes_and_not_pytests_report(tmp_path: Path) -> None:
    ex = load_course(FIXTURE_COURSE).find("02")
    answer = tmp_path / "02_double.py"
    answer.write_text("import os\nos.write(1, b'written by the learner\\n')\n\ndef double(x):\n    return abs(x) * 2\n")
    with Engine() as engine:
        results = [engine.check(CheckRequest(ex, answer)) for _ in range(2)]  # the second through the standby
    for result in results:
        assert result.status == "failed"
        assert "written by the learner" in result.output
        assert "[100%]" not in result.output and "passed in" not in result.output and "F" not in result.output
