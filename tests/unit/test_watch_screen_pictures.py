"""Watch draws a failed comparison's picture only when its screen has room for it."""

import numpy as np
import pytest

from kata import expect
from kata.contract import PICTURE_MARK
from kata.course import load_course
from kata.progress import Progress
from kata.results import CheckResult, StepResult
from kata.watch import screen

from tests.conftest import REPO

COURSE = load_course(REPO)
EX = COURSE.find("18")


def _result(rows: int = 6) -> CheckResult:
    expected = np.eye(rows)
    with pytest.raises(expect.ExpectationFailed) as caught:
        expect.assert_close(np.roll(expected, 1, axis=1), expected, what="one_hot_encoding(...)")
    step = StepResult(index=1, name="test_x", title="the one-hot", outcome="failed",
                      message=f"{caught.value}\n{PICTURE_MARK}{caught.value.picture}")
    return CheckResult(id=EX.id, name=EX.name, target="t.py", status="failed", steps=[step])


def _screen(result, **kw) -> str:
    return screen.verdict_screen(COURSE, Progress(), EX, result, "exercises/18.py", None, "", color=False,
                                 keys=True, **kw)


def test_a_tall_screen_shows_the_picture_and_stays_within_it():
    text = _screen(_result(), width=100, height=40)
    assert "expected (6, 6)" in text and "× differs: 12 of 36" in text
    assert len(text.splitlines()) < 40


def test_a_short_screen_leaves_the_picture_out_or_shows_the_rows_that_fit():
    without = _screen(_result(), width=100, height=14)
    assert "expected (6, 6)" not in without
    used = len(without.splitlines())
    cropped = _screen(_result(), width=100, height=used + 5)
    assert "rows" in cropped and "shown)" in cropped and len(cropped.splitlines()) <= used + 4


def test_a_narrow_screen_leaves_out_a_picture_it_would_have_to_wrap():
    text = _screen(_result(30), width=50, height=60)
    assert "expected (30, 30)" not in text


def test_without_a_terminal_the_picture_keeps_to_the_failure_budget():
    text = _screen(_result())
    assert "expected (6, 6)" in text
