"""What learners reported, as regression tests on the bundled course: right answers written
another way pass. (That every catalogued mistake's failure reads in at most 15 lines, with no
progress bars or library warnings in it, is in test_check_feedback.py, on the same runs as the
test that each is caught as declared.)"""

from __future__ import annotations

import re

import pytest

from kata import report
from kata.course import load_course
from kata.engine import CheckRequest, Engine

from tests.conftest import REPO

COURSE = load_course(REPO)


@pytest.fixture(scope="module")
def engine():
    with Engine() as warm:
        yield warm


def _variant(tmp_path, ident: str, old: str, new: str, imports: str = ""):
    ex = COURSE.find(ident)
    source = ex.solution.read_text(encoding="utf-8")
    assert source.count(old) == 1, f"{old!r} is not once in {ex.solution}"
    path = tmp_path / ex.filename
    path.write_text(imports + source.replace(old, new), encoding="utf-8")
    return ex, path


RIGHT = [
    # (what, exercise, solution text, the same written another way, imports to add)
    ("tqdm bar that erases itself", "17", "tqdm(range(number_of_iterations))",
     'tqdm(range(number_of_iterations), leave=False, desc="training")', ""),
    ("tqdm bar on stdout", "17", "tqdm(range(number_of_iterations))",
     "tqdm(range(number_of_iterations), file=sys.stdout)", "import sys\n"),
    ("nn: tqdm bar that erases itself", "21", "tqdm(range(epochs))", 'tqdm(range(epochs), leave=False, desc="training")', ""),
    ("nn: tqdm bar on stdout", "21", "tqdm(range(epochs))", "tqdm(range(epochs), file=sys.stdout)", "import sys\n"),
    ("trange", "17", "tqdm(range(number_of_iterations))", "trange(number_of_iterations)", "from tqdm import trange\n"),
    ("gradients read through names", "05", "dc_da = a.grad\ndc_db = b.grad",
     "grads = (a.grad, b.grad)\ndc_da, dc_db = grads", ""),
    ("gradients as plain numbers", "05", "dc_da = a.grad\ndc_db = b.grad", "dc_da = a.grad.item()\ndc_db = float(b.grad)", ""),
    ("the gradient unpacked", "06", "dc_da = a_and_b.grad[0]\ndc_db = a_and_b.grad[1]", "dc_da, dc_db = a_and_b.grad", ""),
    (".grad reset before backward", "08", "    result.backward()", "    points.grad = None\n    result.backward()", ""),
    ("softmax with a positional dim", "12", "neural_net.layer_2_bias, dim=-1", "neural_net.layer_2_bias, 1", ""),
]


@pytest.mark.parametrize("what, ident, old, new, imports", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_answer_written_another_way_passes(engine, tmp_path, what, ident, old, new, imports):
    ex, path = _variant(tmp_path, ident, old, new, imports)
    result = engine.check(CheckRequest(ex, path, path.name))
    assert result.passed, report.render_result(result)


def test_replacing_x_data_fails_only_the_in_place_step_and_says_why(engine, tmp_path):
    ex, path = _variant(tmp_path, "15", "    with t.no_grad():\n        x -= x.grad * learning_rate",
                        "    x.data = x.data - x.grad * learning_rate")
    result = engine.check(CheckRequest(ex, path, path.name))
    failed = [s for s in result.steps if not s.passed]
    assert [s.name for s in failed] == ["test_same_object_and_memory"], report.render_result(result)
    assert "PyTorch discourages `.data`" in failed[0].message and f"{path}:" in failed[0].message
