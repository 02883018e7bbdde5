"""The `exercise_file` fixture names the learner's file without importing it, locally and judged, so a
step that only reads what an earlier step of the same run built pays no fresh import
(checks/test_10_init_three_layer_net.py keys its full-size net by it)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kata.course import load_course
from kata.engine import CheckRequest, Engine
from tests.conftest import one_exercise_course

CHECKS = '''
def test_named_without_importing(exercise_file):
    """the file is named, not imported"""
    assert exercise_file.name == "answer.py"


def test_imported_when_asked(exercise):
    """asked for, it is imported"""
    assert exercise.VALUE == 1
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return one_exercise_course(
        tmp_path_factory.mktemp("exercise-file"), textwrap.dedent('''
        format_version = 1
        name = "files"
        title = "Files"

        [[exercise]]
        name = "value"
        title = "a value"
        hints = ["h"]
    '''), "01_value.py", CHECKS, "VALUE = 1\n", "VALUE = None\n")


@pytest.mark.parametrize("judged", [False, True], ids=["local", "judged"])
def test_a_file_that_raises_at_import_is_named_but_not_imported(course, tmp_path, judged):
    ex = load_course(course).exercises[0]
    answer = tmp_path / "answer.py"
    answer.write_text("raise RuntimeError('imported')\nVALUE = 1\n")
    with Engine() as engine:
        result = engine.check(CheckRequest(ex, answer, judged=judged))
    assert [s.outcome for s in result.steps] == ["passed", "error"], result.to_json()  # a file that does not import
    assert "imported" not in result.steps[0].message
