"""Judged mode for a course whose checks import no heavy library (like most small courses).

Two things the torch course never shows. The judge's sandbox starts on the first run, not
at a preload, and must still serve every later run: its zygote forks each run into namespaces
of its own, so replacing it each time buys no isolation and costs a bubblewrap start and a
Python start per run. And the trusted side loads torch only when the checks or the learner's
file name it (`kata.judge.mirror`), so a tensor must still arrive whole, with its gradient, when
the check module never imports torch, on the first run. A draw from numpy that reaches the learner through another library
(scipy) follows the step's seed on both routes.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from kata.course import load_course
from kata.engine import CheckRequest, Engine
from kata.procs import children
from tests.conftest import one_exercise_course

CHECKS = '''
def test_adds(exercise):
    """numbers cross as numbers"""
    assert exercise.add(2, 3) == 5


def test_a_tensor_arrives_whole(exercise):
    """a tensor made by a learner whose checks never import torch arrives as a tensor with its values"""
    out = exercise.ones(3)
    assert type(out).__module__ == "torch" and type(out).__name__ == "Tensor"
    assert out.tolist() == [1.0, 1.0, 1.0]


def test_a_draw_follows_the_steps_seed(exercise):
    """numpy's generator, seeded by kata for the step (0), even though only scipy loads numpy"""
    assert exercise.draw() == 1.764052345967664  # numpy's first standard normal after seed(0)


def test_its_gradient_comes_back(exercise):
    """autograd through the learner's graph, with torch imported only by this step"""
    import torch

    w = torch.tensor([1.0, 2.0], requires_grad=True)
    exercise.square_sum(w).backward()
    assert w.grad.tolist() == [2.0, 4.0]
'''

# torch imported inside a function: the check module never names it
RIGHT = '''
def add(a, b):
    return a + b


def ones(n):
    import torch

    return torch.ones(n)


def square_sum(w):
    return (w ** 2).sum()


def draw():
    from scipy import stats

    return float(stats.norm.rvs())
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return one_exercise_course(
        tmp_path_factory.mktemp("plain"), textwrap.dedent('''
        format_version = 1
        name = "plain"
        title = "A course without torch in its checks"

        [[exercise]]
        name = "add"
        title = "Add, and a tensor"
        hints = ["Read the checks."]
        timeout = 20
    '''), "01_add.py", CHECKS, RIGHT, "def add(a, b):\n    raise NotImplementedError\n")


def _sandboxes(worker_pid: int) -> set[int]:
    """The judge's sandboxes the engine's worker started: its children that run the zygote (the
    bubblewrap that starts it, or the zygote itself without bubblewrap)."""
    found = set()
    for pid in children(worker_pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if b"kata.judge.sandboxed.zygote" in handle.read():
                    found.add(pid)
        except OSError:
            continue
    return found


def test_a_tensor_crosses_on_the_first_run_as_it_does_in_kata_check(course, tmp_path):
    """Nothing preloaded torch: the learner's process and the check child each load it because the
    learner's file names it, before their memory caps, and the judge's side rebuilds the tensor.
    (A notebook's import lines are read from its cells: tests/unit/test_engine_child.py.)"""
    ex = load_course(course).exercises[0]
    target = tmp_path / "answer.py"
    target.write_text(RIGHT)
    with Engine() as engine:
        local = engine.check(CheckRequest(ex, target))
    with Engine() as engine:
        judged = engine.check(CheckRequest(ex, target, judged=True))
    assert local.passed, {s.name: s.message for s in local.steps if not s.passed}
    assert judged.passed, {s.name: s.message for s in judged.steps if not s.passed}


def test_a_numpy_draw_through_scipy_follows_the_seed_on_both_routes(course, tmp_path):
    """A target that names no heavy library: numpy arrives with scipy, mid-step. The worker has
    numpy loaded whatever the checks import, so the step seeds it and, judged, sends its state."""
    pytest.importorskip("scipy")
    ex = load_course(course).exercises[0]
    target = tmp_path / "answer.py"
    target.write_text("def draw():\n    from scipy import stats\n\n    return float(stats.norm.rvs())\n")
    outcomes = []
    for judged in (False, True):
        with Engine() as engine:
            result = engine.check(CheckRequest(ex, target, judged=judged))
        step = next(s for s in result.steps if s.name == "test_a_draw_follows_the_steps_seed")
        outcomes.append((step.outcome, step.message))
    assert outcomes == [("passed", "")] * 2, outcomes


def test_one_sandbox_serves_every_run(course, tmp_path):
    ex = load_course(course).exercises[0]
    target = tmp_path / "answer.py"
    target.write_text("def add(a, b):\n    return a + b\n")
    with Engine() as engine:
        seen = []
        for _ in range(3):
            result = engine.check(CheckRequest(ex, target, judged=True))
            assert [s.outcome for s in result.steps][:1] == ["passed"], result.steps[:1]
            assert engine.worker_pid is not None
            seen.append(_sandboxes(engine.worker_pid))
        assert len(seen[0]) == 1, f"expected one sandbox under the worker, found {seen[0]}"
        assert seen[1] == seen[0] and seen[2] == seen[0], f"the sandbox was replaced between runs: {seen}"
        sandbox = next(iter(seen[0]))
    deadline = time.monotonic() + 10
    while _running(sandbox) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(sandbox), "the engine's close must take its sandbox with it"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
