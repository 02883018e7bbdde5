"""kata.feedback.picture: what is drawn of a wrong tensor, how it travels, and how it is shown."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kata import expect, report
from kata.contract import PICTURE_MARK, StepResult, result_from_wire, result_to_wire, step_to_json
from kata.feedback import picture, picture_build
from kata.feedback.failures import describe_exception
from kata.results import CheckResult


def _draw(actual, expected, **kw) -> list[str]:
    return picture.render(picture.encode(picture_build.build(np.asarray(actual, float), np.asarray(expected, float))), **kw)


def test_a_vector_is_two_rows_and_a_legend():
    lines = _draw([0, 0, 1, 0], [0, 1, 0, 0])
    assert lines[:2] == ["  expected (4,) ··██····",
                         "  actual (4,)   ···×█×··"]
    assert lines[2] == "  ·░▒▓█ 0 … 1   × differs: 2 of 4"


def test_a_grid_marks_only_the_cells_that_differ():
    expected = np.eye(3)
    actual = expected.copy()
    actual[1, 2] = 1.0
    lines = _draw(actual, expected)
    assert lines[0].split() == ["expected", "(3,", "3)", "actual", "(3,", "3)"]
    assert lines[1].split() == ["██····", "██····"]
    assert lines[2].split() == ["··██··", "··███×"]
    assert "× differs: 1 of 9" in lines[-1]


def test_every_cell_differing_is_not_covered_in_marks():
    lines = _draw(np.arange(6.0).reshape(2, 3) + 10, np.arange(6.0).reshape(2, 3))
    assert not any(picture.MARK in line for line in lines) and lines[-1].endswith("every cell differs")


def test_nothing_to_draw_for_a_scalar_or_equal_values():
    assert picture_build.build(np.float64(1.0), np.float64(2.0)) is None
    assert picture_build.build(np.ones(3), np.ones(3)) is None


def test_a_big_tensor_is_drawn_as_the_slice_and_window_holding_the_worst_difference():
    expected = np.zeros((3, 100, 80))
    actual = expected.copy()
    actual[2, 70, 60] = 5.0
    data = picture_build.build(actual, expected)
    assert data["grids"][1]["where"] == "[2, 54:86, 44:76]"
    assert len(data["grids"][1]["rows"]) == 32 and len(data["grids"][1]["rows"][0]) == 32
    assert data["marks"][16][16] == "x"
    lines = picture.render(picture.encode(data), max_lines=6)
    assert len(lines) == 6 and "(rows 68–71 shown)" in lines[0]
    assert any("×" in line for line in lines[1:-1])


def test_squeezed_dimensions_do_not_count():
    data = picture_build.build(np.arange(4.0).reshape(1, 4, 1), np.zeros((1, 4, 1)))
    assert data["vector"] and data["grids"][0]["where"] == ""


def test_shapes_that_differ_are_drawn_each_in_its_own_shape():
    x = np.arange(6.0).reshape(2, 3)
    lines = _draw(x.T, x)
    assert "expected (2, 3)" in lines[0] and "actual (3, 2)" in lines[0]
    assert len(lines) == 1 + 3 + 1 and lines[-1].endswith("shapes differ: cells are not compared")


def test_nan_is_shown_and_counted():
    lines = _draw([1.0, float("nan"), 3.0], [1.0, 2.0, 3.0])
    assert "!×" in lines[1] and "1 of 3" in lines[2]


def test_colour_respects_no_color_and_dumb_terminals():
    assert picture.color_mode(True, {}) == "256"
    assert picture.color_mode(True, {"COLORTERM": "truecolor"}) == "24bit"
    assert picture.color_mode(True, {"NO_COLOR": "1"}) is None
    assert picture.color_mode(True, {"NO_COLOR": ""}) == "256"  # set but empty: colour stays (no-color.org)
    assert picture.color_mode(True, {"TERM": "dumb"}) is None
    assert picture.color_mode(False, {}) is None


def test_colour_draws_the_same_cells_and_marks():
    data = picture.encode(picture_build.build(np.array([0, 1.0, 0]), np.array([1.0, 0, 0])))
    plain = picture.render(data)
    for mode, code in (("256", "\x1b[48;5;"), ("24bit", "\x1b[48;2;")):
        coloured = picture.render(data, color=mode)
        assert code in coloured[0]
        assert [line.count("×") for line in coloured[:2]] == [line.count("×") for line in plain[:2]]


@pytest.mark.parametrize("forged", [
    "not json", "{}", json.dumps({"v": 1, "lo": 0, "hi": 1, "grids": []}),
    json.dumps({"v": 1, "lo": 0, "hi": 1, "grids": [{"label": "a", "shape": [1], "rows": ["\x1b[2J"]}] * 2}),
    json.dumps({"v": 1, "lo": "nan", "hi": 1, "grids": [{"label": "a", "shape": [2], "rows": ["01"]}] * 2}),
    json.dumps({"v": 1, "lo": 0, "hi": 1, "grids": [{"label": "a", "shape": [2], "rows": ["01"]}] * 2,
                "marks": ["xxx"], "differ": 1, "size": 2}),
])
def test_a_malformed_or_forged_picture_draws_nothing(forged):
    assert picture.render(forged) == []


def test_labels_of_a_picture_lose_control_characters():
    data = {"v": 1, "lo": 0, "hi": 1, "focus": 0, "vector": True,
            "grids": [{"label": "expected\x1b[2J", "shape": [2], "rows": ["09"]},
                      {"label": "actual", "shape": [2], "rows": ["90"]}]}
    assert "\x1b" not in "".join(picture.render(data))


def test_expect_attaches_a_picture_and_pytest_alone_shows_only_the_message():
    with pytest.raises(expect.ExpectationFailed) as caught:
        expect.assert_close(np.eye(3)[[1, 2, 0]], np.eye(3), what="one_hot")
    assert "one_hot has the right shape" in str(caught.value) and PICTURE_MARK not in str(caught.value)
    assert picture.decode(caught.value.picture) is not None
    with pytest.raises(expect.ExpectationFailed) as caught:
        expect.fail("wrong", actual=[1.0, 2.0], expected=[2.0, 1.0])
    assert picture.decode(caught.value.picture) is not None
    with pytest.raises(expect.ExpectationFailed) as caught:
        expect.assert_floats_close([1.0, 5.0], [1.0, 2.0])
    assert picture.decode(caught.value.picture) is not None


def test_the_picture_rides_after_the_message_and_the_step_keeps_it_apart(tmp_path):
    with pytest.raises(expect.ExpectationFailed) as caught:
        expect.assert_close(np.zeros((2, 2)), np.eye(2), what="x")
    message = describe_exception(caught.value, [tmp_path / "check.py"])
    assert message.count(PICTURE_MARK) == 1 and message.splitlines()[-1].startswith(PICTURE_MARK)
    step = StepResult(index=1, name="t", title="t", outcome="failed")
    step.message = message  # as the supervisor sets it from the child's event
    assert PICTURE_MARK not in step.message and step.message.startswith("x has the right shape")
    assert picture.decode(step.picture) is not None
    assert "picture" not in step_to_json(step)
    result = CheckResult(id="01", name="n", target="t.py", status="failed", steps=[step])
    back = result_from_wire(json.loads(json.dumps(result_to_wire(result))))
    assert back.steps[0].picture == step.picture and back.steps[0].message == step.message
    built = StepResult(index=1, name="t", title="t", outcome="failed", message=message)
    assert built.picture == step.picture and built.message == step.message


def test_the_report_draws_a_picture_below_the_message_only_for_a_failed_step():
    with pytest.raises(expect.ExpectationFailed) as caught:
        expect.assert_close(np.zeros(4), np.ones(4), what="x")
    step = StepResult(index=1, name="t", title="t", outcome="failed",
                      message=f"x is wrong\n{PICTURE_MARK}{caught.value.picture}")
    result = CheckResult(id="01", name="n", target="t.py", status="failed", steps=[step])
    text = report.render_result(result)
    assert text.splitlines()[-4:] == ["  x is wrong", "  expected (4,) ████████", "  actual (4,)   ········",
                                      "  ·░▒▓█ 0 … 1   every cell differs"]
    step.outcome = "crashed"
    assert "expected (4,)" not in report.render_result(result)


def test_printed_output_keeps_its_lines_beside_a_picture():
    with pytest.raises(expect.ExpectationFailed) as caught:
        expect.assert_close(np.zeros((20, 20)), np.eye(20), what="x")
    step = StepResult(index=1, name="t", title="t", outcome="failed", output="".join(f"p{i}\n" for i in range(9)),
                      message="\n".join(f"line {i}" for i in range(5)) + f"\n{PICTURE_MARK}{caught.value.picture}")
    text = report.render_result(CheckResult(id="01", name="n", target="t.py", status="failed", steps=[step]))
    failure = text.split("\n\n", 1)[1].splitlines()
    assert len(failure) <= report.MAX_FAILURE_LINES
    assert "  Your code printed:" in failure and "expected (20, 20)" in text and "(rows" in text
