"""kata.dev.verify.readable: each catalogued mistake's failure, as `kata check` prints it, fits a screen
and holds no noise; `kata verify` warns about each that does not (a problem under --strict)."""

from __future__ import annotations

from pathlib import Path

from kata.contract import CheckResult, StepResult
from kata.dev.mistakes.catalogue import Mistake
from kata.dev.verify.readable import readability_warnings
from kata.report import MAX_FAILURE_LINES
from kata.results import FAILED, PASSED


def _run(tmp_path: Path, message: str, output: str = "", status: str = FAILED) -> tuple[Mistake, CheckResult]:
    wrong = tmp_path / "swapped.py"
    wrong.write_text("x = 1\n")
    mistake = Mistake(tmp_path / "05_relu" / "swapped.mistake", ("text",), file=wrong)
    steps = [StepResult(1, "test_a", "a", PASSED), StepResult(2, "test_b", "b", status, message, output=output)]
    return mistake, CheckResult("05", "relu", str(wrong), status, steps)


def test_a_short_clean_failure_reads_well(tmp_path):
    assert readability_warnings([_run(tmp_path, "relu(-1.0) should be 0.0, got 1.0")]) == []


def test_a_failure_longer_than_a_screen_is_named(tmp_path):
    (warning,) = readability_warnings([_run(tmp_path, "\n".join(f"line {i}" for i in range(MAX_FAILURE_LINES + 3)))])
    assert "mistakes/05_relu/swapped.mistake" in warning and "lines" in warning


def test_a_warning_from_a_file_the_learner_never_wrote_is_noise(tmp_path):
    course_file = "/course/solutions/05_broadcasting.py:64: RuntimeWarning: invalid value encountered in divide\n"
    (warning,) = readability_warnings([_run(tmp_path, "wrong value", output=course_file)])
    assert "noise" in warning


def test_what_the_report_leaves_out_is_no_noise(tmp_path):
    """A library's warnings and progress bars never reach the learner (kata.report.learner_output)."""
    library = "/venv/lib/python3.11/site-packages/numpy/core/x.py:3: RuntimeWarning: divide by zero\n"
    for printed in (library, "epoch 1: 100%|####| 10/10 [00:01<00:00, 9.1it/s]\n"):
        assert readability_warnings([_run(tmp_path, "wrong value", output=printed)]) == [], printed


def test_a_short_warning_about_the_learners_own_line_stays(tmp_path):
    mistake, result = _run(tmp_path, "wrong value")
    result.steps[-1].output = f"{mistake.file}:1: RuntimeWarning: overflow encountered in exp\n"
    assert readability_warnings([(mistake, result)]) == []


def test_a_mistake_the_checks_pass_is_left_to_judge(tmp_path):
    assert readability_warnings([_run(tmp_path, "\n" * 40, status=PASSED)]) == []
