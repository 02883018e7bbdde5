"""A check that fails on a wrong value (the learner's code raised nothing) still points at the
learner's code: the function, method or name of the exercise that the failing check was about."""

import sys
import textwrap
from pathlib import Path

from kata.feedback.failures import describe_exception


def _course(tmp_path: Path, stub: str, learner: str, check: str) -> tuple[Path, Path, dict]:
    for folder in ("exercises", "checks"):
        (tmp_path / folder).mkdir()
    (tmp_path / "exercises" / "01_thing.py").write_text(textwrap.dedent(stub))
    learner_file = tmp_path / "mine.py"
    learner_file.write_text(textwrap.dedent(learner))
    check_file = tmp_path / "checks" / "test_01_thing.py"
    check_file.write_text(textwrap.dedent(check))
    module = {"__file__": str(learner_file)}
    exec(compile(learner_file.read_text(), str(learner_file), "exec"), module)
    checks: dict = {"__name__": "test_01_thing"}
    exec(compile(check_file.read_text(), str(check_file), "exec"), checks)
    return learner_file, check_file, checks


def _failure(checks: dict, step: str, learner_file: Path, check_file: Path) -> str:
    exercise = type(sys)("kata_target")
    exercise.__file__ = str(learner_file)
    exec(compile(learner_file.read_text(), str(learner_file), "exec"), exercise.__dict__)
    try:
        checks[step](exercise)
    except AssertionError as exc:
        return describe_exception(exc, [check_file, learner_file], learner_file=learner_file)
    raise AssertionError("the step passed")


STUB = '''
    def given(x):
        return x

    def double(x):
        raise NotImplementedError("double")

    class Box:
        def __init__(self):
            pass

        def size(self):
            raise NotImplementedError("size")

    answer = None  # TODO
'''
LEARNER = '''
    def given(x):
        return x

    def double(x):
        return x + 1

    class Box:
        def __init__(self):
            pass

        def size(self):
            return -1

    answer = 41
'''
CHECK = '''
    NAME = "answer"

    def _call(ex, x):
        return ex.double(ex.given(x))

    def test_double(exercise):
        assert _call(exercise, 2) == 4, "double(2) should be 4"

    def test_box(exercise):
        assert exercise.Box().size() == 0, "an empty box has size 0"

    def test_answer(exercise):
        assert getattr(exercise, NAME) == 42, "the answer is 42"
'''


def test_points_at_the_task_the_failing_check_called_through_a_helper(tmp_path):
    learner, check, checks = _course(tmp_path, STUB, LEARNER, CHECK)
    text = _failure(checks, "test_double", learner, check)
    assert f"{learner}:5: your function double" in text.splitlines()  # not `given`: the stub gives that one
    assert text.splitlines()[-1] == "double(2) should be 4"


def test_points_at_the_method_the_stub_left_to_do(tmp_path):
    learner, check, checks = _course(tmp_path, STUB, LEARNER, CHECK)
    assert f"{learner}:12: your function Box.size" in _failure(checks, "test_box", learner, check)


def test_points_at_the_line_that_sets_a_name_read_through_a_constant(tmp_path):
    learner, check, checks = _course(tmp_path, STUB, LEARNER, CHECK)
    assert f"{learner}:15: where your file sets answer" in _failure(checks, "test_answer", learner, check)


def test_no_pointer_when_the_message_already_points_into_the_learners_file(tmp_path):
    check = CHECK.replace('"double(2) should be 4"', 'f"{ex_file}:5: double(2) should be 4"').replace(
        "def test_double(exercise):", "def test_double(exercise):\n        ex_file = exercise.__file__")
    learner, check_file, checks = _course(tmp_path, STUB, LEARNER, check)
    text = _failure(checks, "test_double", learner, check_file)
    assert "your function" not in text
