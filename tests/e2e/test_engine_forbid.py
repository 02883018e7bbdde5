"""`forbid = ["torch"]`: a from-scratch exercise refuses the learner's use of torch, however it was reached,
in local mode (the check child) and judged mode (the sandboxed learner process), while the checks' own
torch (the oracle, a helper placed on the learner's side) stays allowed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kata.course import load_course
from kata.engine import CheckRequest, Engine
from tests.conftest import one_exercise_course

CHECKS = '''
import numpy as np
import torch

from kata.expect import learner_side


class Box:
    """A check's object holding torch, as a module that re-exports it would."""

    def __init__(self):
        import torch

        self.torch = torch


def _want(x):
    return torch.softmax(torch.tensor(x), dim=-1).numpy()


def test_softmax(exercise):
    """softmax(x) is torch's softmax over the last dimension"""
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    assert np.allclose(np.asarray(exercise.softmax(x)), _want(x))


def test_softmax_with_a_box(exercise):
    """softmax_with(box, x) gives the same, handed an object that holds torch"""
    box = learner_side(exercise, Box)()
    x = np.array([[1.0, 2.0, 3.0]])
    assert np.allclose(np.asarray(exercise.softmax_with(box, x)), _want(x))
'''

RIGHT = '''import numpy as np


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_with(box, x):
    return softmax(x)
'''

NUMPY_BODY = "    e = np.exp(x - x.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)\n"
WITH_BODY = "def softmax_with(box, x):\n    return softmax(x)\n"
TORCH_CALL = "t.softmax(t.from_numpy(x), dim=-1).numpy()"

# name -> (the wrong answer, the step it fails, what the verdict names)
WAYS = {
    "plain import": (RIGHT.replace(NUMPY_BODY, f"    import torch as t\n    return {TORCH_CALL}\n"), 1, "imported torch"),
    "sys.modules": (RIGHT.replace(NUMPY_BODY, f"    import sys\n    t = sys.modules['torch']\n    return {TORCH_CALL}\n"),
                    1, "used torch.softmax"),
    "importlib": (RIGHT.replace(NUMPY_BODY, f"    import importlib\n    t = importlib.import_module('torch')\n"
                                            f"    return {TORCH_CALL}\n"), 1, "imported torch"),
    "__import__": (RIGHT.replace(NUMPY_BODY, f"    t = __import__('torch')\n    return {TORCH_CALL}\n"), 1, "imported torch"),
    "builtins.__import__": (RIGHT.replace(NUMPY_BODY, f"    import builtins\n    t = builtins.__import__('torch')\n"
                                                      f"    return {TORCH_CALL}\n"), 1, "imported torch"),
    "a module that re-exports it": (RIGHT.replace(NUMPY_BODY, f"    from einops import _torch_specific\n    t = _torch_specific.torch\n"
                                                              f"    return {TORCH_CALL}\n"), 1, "used torch.softmax"),
    "a check's object": (RIGHT.replace(WITH_BODY, "def softmax_with(box, x):\n    t = box.torch\n"
                                                  f"    return {TORCH_CALL}\n"), 2, "used torch.softmax"),
    "a getattr chain": (RIGHT.replace(WITH_BODY, "def softmax_with(box, x):\n"
                                                 "    f = getattr(getattr(box, 'torch'), 'softmax')\n"
                                                 "    return f(box.torch.from_numpy(x), dim=-1).numpy()\n"),
                        2, "used torch.softmax"),
    "a default argument": (RIGHT.replace(WITH_BODY, "def softmax_with(box, x):\n"
                                                    "    def inner(v, sm=box.torch.softmax, t=box.torch.tensor):\n"
                                                    "        return sm(t(v), dim=-1).numpy()\n"
                                                    "    return inner(x)\n"), 2, "used torch.softmax"),
    "map": (RIGHT.replace(WITH_BODY, "def softmax_with(box, x):\n    list(map(box.torch.exp, []))\n"
                                     "    return softmax(x)\n"), 2, "used torch.exp"),
    "exec": (RIGHT.replace(NUMPY_BODY, "    scope = {'x': x}\n"
                                       "    exec('import sys; y = sys.modules[\"torch\"].tensor(x)', scope)\n"
                                       "    return np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)\n"),
             1, "used torch.tensor"),
    "a caught refusal": (RIGHT.replace(NUMPY_BODY, "    try:\n        import sys\n        t = sys.modules['torch']\n"
                                                   f"        return {TORCH_CALL}\n    except BaseException:\n"
                                                   f"    {NUMPY_BODY.replace(chr(10) + '    ', chr(10) + '        ')}"),
                         1, "used torch.softmax"),
    "an import at the top": ("import torch\n" + RIGHT, 1, "imported torch"),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return one_exercise_course(
        tmp_path_factory.mktemp("forbid"), textwrap.dedent('''
        format_version = 1
        name = "scratch"
        title = "From scratch"
        forbid = ["torch"]
        forbid_hint = "use NumPy"

        [[exercise]]
        name = "softmax"
        title = "softmax on NumPy"
        hints = ["Exponentiate, then normalise."]
        timeout = 5
    '''), "01_softmax.py", CHECKS, RIGHT,
        "def softmax(x):\n    raise NotImplementedError\n\n\ndef softmax_with(box, x):\n    raise NotImplementedError\n")


@pytest.fixture(scope="module")
def engine():
    with Engine() as eng:
        yield eng


def _run(engine, course: Path, source: str, tmp_path: Path, judged: bool):
    ex = load_course(course).exercises[0]
    assert ex.forbid == ("torch",) and ex.forbid_hint == "use NumPy"
    target = tmp_path / "answer.py"
    target.write_text(source)
    return engine.check(CheckRequest(ex, target, judged=judged))


@pytest.mark.parametrize("judged", [False, True], ids=["local", "judged"])
def test_numpy_passes_while_the_checks_use_torch(engine, course, tmp_path, judged):
    result = _run(engine, course, RIGHT, tmp_path, judged)
    assert result.passed, [s.message for s in result.steps]


@pytest.mark.parametrize("judged", [False, True], ids=["local", "judged"])
@pytest.mark.parametrize("way", list(WAYS))
def test_each_way_to_torch_is_refused_in_words(engine, course, tmp_path, judged, way):
    source, index, named = WAYS[way]
    result = _run(engine, course, source, tmp_path, judged)
    step = result.steps[index - 1]
    assert step.outcome in ("failed", "error"), (way, step)
    assert f"exercise 01 is built from scratch: your code {named} (line " in step.message, step.message
    assert step.message.rstrip().endswith("use NumPy"), step.message
    assert "answer.py:" in step.message  # the learner's line, as for any failure


def test_an_exercise_may_allow_what_its_course_forbids(engine, course, tmp_path):
    manifest = course / "kata.toml"
    original = manifest.read_text()
    try:
        manifest.write_text(original.replace('timeout = 5', 'timeout = 5\nforbid = []'))
        ex = load_course(course).exercises[0]
        assert ex.forbid == ()
        target = tmp_path / "answer.py"
        target.write_text(WAYS["sys.modules"][0])
        assert engine.check(CheckRequest(ex, target)).passed
    finally:
        manifest.write_text(original)
