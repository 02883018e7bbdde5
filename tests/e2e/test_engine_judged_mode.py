"""Judged mode through the real engine: the check runs in the trusted process, the learner's code in
the sandbox, and each step's verdict must be what local mode gives for honest code.

One small course is written per test module; each target is checked in both modes, and the steps'
outcomes must agree. Attacks live in test_grade_attacks.py.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kata.course import load_course
from kata.engine import CheckRequest, Engine
from tests.conftest import one_exercise_course

CHECKS = '''
import pytest
import torch

from kata.expect import assert_close, learner_side


def test_numbers_arrive_as_plain_floats(exercise):
    """a float subclass comes back as a float"""
    got = exercise.mean([1.0, 2.0])
    assert type(got) is float and got == 1.5


def test_tensors_arrive_plain(exercise):
    """tensors come back as plain tensors with the learner's values"""
    out = exercise.double(torch.tensor([1.0, 2.0]))
    assert type(out) is torch.Tensor
    assert torch.equal(out, torch.tensor([2.0, 4.0]))


def test_in_place_updates_reach_the_caller(exercise):
    """a tensor changed in place is changed in the check, in the same memory"""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.grad = torch.tensor([10.0, 10.0])
    ptr = x.data_ptr()
    exercise.nudge(x, 0.1)
    assert torch.allclose(x.detach(), torch.tensor([0.0, 1.0]))
    assert x.data_ptr() == ptr


def test_rebinding_is_seen(exercise):
    """x.data = ... inside the learner's code shows as new memory"""
    x = torch.tensor([1.0, 2.0])
    ptr = x.data_ptr()
    exercise.rebind(x)
    assert torch.equal(x, torch.tensor([0.0, 0.0]))
    assert x.data_ptr() != ptr


def test_gradients_cross_back(exercise):
    """backward() on a loss of the learner's output fills the check's .grad"""
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    loss = (exercise.double(w) ** 2).sum()
    loss.backward()
    assert_close(w.grad, 8 * w.detach())


def test_learner_objects_are_handles(exercise):
    """a learner's object: attributes, methods, isinstance"""
    counter = exercise.Counter(5)
    counter.add(2)
    assert counter.value == 7
    assert isinstance(counter, exercise.Counter)
    assert type(counter).__name__ == "Counter"
    layer = exercise.make_layer()
    assert isinstance(layer, torch.nn.Linear) and layer.in_features == 3
    assert layer(torch.ones(3)).shape == (2,)


def test_learner_errors_keep_their_class(exercise):
    """a ValueError raised by the learner can be caught as a ValueError"""
    with pytest.raises(ValueError, match="negative"):
        exercise.sqrt(-1.0)


def test_prints_come_back(exercise, capsys):
    """what the learner prints is captured by the check"""
    exercise.shout("hello")
    assert "HELLO" in capsys.readouterr().out


def test_random_draws_follow_the_checks_seed(exercise):
    """the check's seed decides the learner's draws, as in one process"""
    torch.manual_seed(123)
    first = exercise.draw()
    torch.manual_seed(123)
    assert torch.equal(exercise.draw(), first)
    torch.manual_seed(123)
    assert torch.equal(torch.rand(3), first)


def test_helpers_on_the_learners_side(exercise):
    """a check's helper runs next to the learner's code"""
    assert exercise.apply(learner_side(exercise, triple), 2.0) == 6.0


def triple(x):
    return 3 * x
'''

RIGHT = '''
import torch


def mean(values):
    return sum(values) / len(values)


def double(x):
    return 2 * x


def nudge(x, lr):
    with torch.no_grad():
        x -= lr * x.grad


def rebind(x):
    x.data = torch.zeros_like(x)


class Counter:
    def __init__(self, start):
        self.value = start

    def add(self, n):
        self.value += n


def make_layer():
    return torch.nn.Linear(3, 2)


def sqrt(x):
    if x < 0:
        raise ValueError("negative input")
    return x ** 0.5


def shout(text):
    print(text.upper())


def draw():
    return torch.rand(3)


def apply(f, x):
    return f(x)
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return one_exercise_course(
        tmp_path_factory.mktemp("judged"), textwrap.dedent('''
        format_version = 1
        name = "judged"
        title = "Judged mode"

        [[exercise]]
        name = "everything"
        title = "Everything that crosses"
        hints = ["Read the checks."]
        timeout = 3
    '''), "01_everything.py", CHECKS, RIGHT,
        "def mean(values):\n    raise NotImplementedError\n")


@pytest.fixture(scope="module")
def engine():
    with Engine() as eng:
        yield eng


def _run(engine, course: Path, source: str, tmp_path: Path, judged: bool):
    ex = load_course(course).exercises[0]
    target = tmp_path / "answer.py"
    target.write_text(source)
    return engine.check(CheckRequest(ex, target, judged=judged))


def test_honest_code_gets_the_same_verdicts_in_both_modes(engine, course, tmp_path):
    local = _run(engine, course, RIGHT, tmp_path, judged=False)
    judged = _run(engine, course, RIGHT, tmp_path, judged=True)
    failures = {s.name: s.message for s in judged.steps if not s.passed}
    assert judged.passed, failures
    assert [s.outcome for s in judged.steps] == [s.outcome for s in local.steps]
    assert "bubblewrap" in judged.isolation or "separate process" in judged.isolation


def test_a_float_that_equals_everything_is_just_its_number(engine, course, tmp_path):
    source = RIGHT + "\n\nclass Yes(float):\n    def __eq__(self, other):\n        return True\n\n\n" \
                     "def mean(values):\n    return Yes(0.0)\n"
    assert _run(engine, course, source, tmp_path, judged=False).steps[0].outcome == "failed"  # type() tells
    judged = _run(engine, course, source, tmp_path, judged=True)
    assert judged.steps[0].outcome == "failed" and "0.0 == 1.5" in judged.steps[0].message.replace("assert ", "")


def test_a_hang_is_a_timeout_and_later_steps_do_not_run(engine, course, tmp_path):
    source = RIGHT.replace("def mean(values):\n", "def mean(values):\n    while True:\n        pass\n")
    result = _run(engine, course, source, tmp_path, judged=True)
    assert result.steps[0].outcome == "timeout"
    assert all(s.outcome != "passed" or s.index > 1 for s in result.steps)


def test_a_crash_names_the_exit_code(engine, course, tmp_path):
    source = RIGHT.replace("def double(x):\n", "def double(x):\n    import os\n    os._exit(7)\n")
    result = _run(engine, course, source, tmp_path, judged=True)
    step = result.steps[1]
    assert step.outcome == "crashed" and "exit code 7" in step.message, step
    assert result.steps[0].passed


def test_a_learner_error_shows_the_learners_line(engine, course, tmp_path):
    source = RIGHT.replace("    return 2 * x", "    return x @ torch.ones(5, 5)")
    result = _run(engine, course, source, tmp_path, judged=True)
    step = result.steps[1]
    assert step.outcome == "failed"
    assert "answer.py" in step.message and "x @ torch.ones(5, 5)" in step.message, step.message


def test_a_syntax_error_is_reported_like_local_mode(engine, course, tmp_path):
    result = _run(engine, course, "def mean(:\n", tmp_path, judged=True)
    assert "syntax error" in result.steps[0].message
