"""Points (issue 24): the manifest's marking read with clear errors, and the one scoring rule."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kata.course import Exercise, load_course
from kata.dev.hidden import HIDDEN_TITLE, merge, student_view
from kata.dev.scoring import Points, exercise_points, number, total_points
from kata.errors import KataError
from kata.points import ALL, Marking, parse_marking
from kata.results import FAILED, PASSED, CheckResult, StepResult

POINTS_COURSE = Path(__file__).resolve().parents[1] / "points_course"


def _ex(marking: Marking = Marking(), name: str = "add") -> Exercise:
    return Exercise(1, name, name, (), 2.0, POINTS_COURSE, marking=marking)


def _result(*outcomes: str, names: tuple[str, ...] = ()) -> CheckResult:
    steps = [StepResult(i, names[i - 1] if names else f"test_{i}", f"step {i}", outcome)
             for i, outcome in enumerate(outcomes, start=1)]
    return CheckResult("01", "add", "t", PASSED if all(o == PASSED for o in outcomes) else FAILED, steps)


def test_default_is_a_point_a_step_as_before():
    assert exercise_points(_ex(), _result(PASSED, FAILED, PASSED)) == Points(2.0, 3.0)
    total = total_points([_ex()], [_result(PASSED, FAILED, PASSED)])
    assert total.share == round(2 / 3, 4)  # the old score: steps passed over all steps


def test_points_share_out_evenly_without_weights():
    assert exercise_points(_ex(Marking(points=10)), _result(PASSED, FAILED, FAILED, FAILED)) == Points(2.5, 10)


def test_weights_decide_the_partial_credit():
    marking = Marking(points=10, weights=(("test_a", 1.0), ("test_b", 3.0)))
    result = _result(PASSED, FAILED, PASSED, names=("test_a", "test_b", "test_c"))  # test_c weighs 1
    assert exercise_points(_ex(marking), result) == Points(4.0, 10)


def test_a_parametrized_step_weighs_what_its_function_does():
    marking = Marking(points=6, weights=(("test_a", 2.0),))
    result = _result(PASSED, FAILED, PASSED, names=("test_a[1]", "test_a[2]", "test_b"))
    assert exercise_points(_ex(marking), result) == Points(3.6, 6)


def test_all_or_nothing():
    marking = Marking(points=5, all_or_nothing=True)
    assert exercise_points(_ex(marking), _result(PASSED, PASSED, FAILED)) == Points(0.0, 5)
    assert exercise_points(_ex(marking), _result(PASSED, PASSED)) == Points(5.0, 5)


def test_zero_points_and_steps_weighing_nothing():
    assert exercise_points(_ex(Marking(points=0)), _result(PASSED)) == Points(0.0, 0.0)
    assert Points(0.0, 0.0).share == 0.0
    nothing = Marking(points=4, weights=(("test_1", 0.0),))
    assert exercise_points(_ex(nothing), _result(PASSED)) == Points(4.0, 4)


def test_points_are_written_as_people_write_them():
    assert [number(v) for v in (3.0, 2.5, 10 / 3, 0.0, 1e-9)] == ["3", "2.5", "3.33", "0", "0"]
    assert str(Points(4, 10)) == "4/10"


@pytest.mark.parametrize("entry, said", [
    ({"points": -1}, "points must be a number of 0 or more"),
    ({"points": "ten"}, "points must be a number of 0 or more"),
    ({"points": True}, "points must be a number of 0 or more"),
    ({"points": float("nan")}, "points must be a number of 0 or more"),
    ({"weights": ["test_a"]}, "weights must be a table"),
    ({"weights": {"test_a": -2}}, "weights must be a table"),
    ({"all_or_nothing": "yes"}, "all_or_nothing must be true or false"),
    ({"all_or_nothing": True, "weights": {"test_a": 2}}, "cannot go together"),
    ({"hidden_titles": "test_a"}, "hidden_titles must be true, false or a list"),
])
def test_bad_marking_is_refused_with_its_fix(entry, said):
    with pytest.raises(KataError) as caught:
        parse_marking(entry, "kata.toml, exercise #1 (add)")
    assert said in caught.value.message and "exercise #1 (add)" in caught.value.message
    assert caught.value.fix


def test_marking_read_from_the_manifest():
    course = load_course(POINTS_COURSE)
    add, double, negate = course.exercises
    assert add.marking == Marking(10.0, (("test_small_numbers", 1.0), ("test_negative_numbers", 3.0)), False,
                                  ("test_large_numbers",))
    assert double.marking == Marking(5.0, (), True, ())
    assert negate.marking == Marking()
    assert parse_marking({"hidden_titles": True}, "x").hidden_titles == (ALL,)


def test_a_bad_value_in_kata_toml_stops_loading(tmp_path):
    import shutil

    shutil.copytree(POINTS_COURSE, tmp_path / "c")
    manifest = tmp_path / "c" / "kata.toml"
    manifest.write_text(manifest.read_text().replace("points = 10", "points = -10"))
    with pytest.raises(KataError, match="points must be a number"):
        load_course(tmp_path / "c")


def test_hidden_steps_merge_after_the_visible_ones_and_students_see_only_what_the_course_allows():
    ex = load_course(POINTS_COURSE).exercises[0]  # hidden_titles = ["test_large_numbers"]
    visible = _result(PASSED, PASSED, names=("test_small_numbers", "test_negative_numbers"))
    hidden = CheckResult("01", "add", "t", FAILED, [StepResult(1, "test_large_numbers", "adds large numbers", FAILED,
                                                               "HIDDEN-EXPECTED 1000000000001")])
    merged = merge(visible, hidden)
    assert [(s.index, s.name) for s in merged.steps] == [(1, "test_small_numbers"), (2, "test_negative_numbers"),
                                                         (3, "test_large_numbers")]
    assert merged.status == FAILED
    assert exercise_points(ex, merged) == Points(8.0, 10)  # weights 1 + 3 of 5
    shown = student_view(ex, merged).steps[2]
    assert shown.title == "adds large numbers" and "HIDDEN" not in shown.message
    double = load_course(POINTS_COURSE).exercises[1]  # no hidden_titles: only that a hidden check exists
    secret = merge(_result(PASSED, names=("test_positive",)),
                   CheckResult("02", "double", "t", FAILED, [StepResult(1, "test_secret_zero", "doubles zero", FAILED,
                                                                        "HIDDEN-EXPECTED-VALUE-0")]))
    shown = student_view(double, secret).steps[1]
    assert shown.title == HIDDEN_TITLE and shown.name == "hidden_2" and "HIDDEN" not in shown.message


def test_the_parts_every_output_shows_add_up_to_the_total():
    """Two exercises of 10 points with 2 of 3 steps passed: each earns 6.67 as shown, and the total is
    their sum, 13.34, in every output (it was 13.33 beside two 6.67s in the CSV and Gradescope)."""
    first, second = _ex(Marking(points=10), "add"), _ex(Marking(points=10), "double")
    results = [_result(PASSED, PASSED, FAILED), dataclasses.replace(_result(PASSED, FAILED, PASSED), name="double")]
    parts = [exercise_points(ex, r).earned for ex, r in zip((first, second), results)]
    assert parts == [6.67, 6.67]
    total = total_points([first, second], results)
    assert number(total.earned) == number(sum(parts)) == "13.34" and total.maximum == 20
