"""kata.forbid without the engine: the manifest's values, and the guard on code compiled as the learner's."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from kata.course import load_course
from kata.errors import KataError
from kata.forbid import guard
from kata.forbid.guard import ForbiddenModule, install, raise_swallowed
from kata.forbid.rewrite import compile_guarded
from kata.forbid.rules import Rule, rule_for

RULE = Rule(("torch",), "05", "use NumPy")


def _load(source: str, rule: Rule = RULE, keep: bool = False) -> dict:
    """`source` run as the learner's module. The plugin raises a refusal the step caught once the step
    ends (this pytest runs with kata's plugin too): unless `keep`, the guard is not the step's."""
    namespace = {"__name__": "learner", "__file__": "/x/learner.py"}
    install(namespace, rule)
    if not keep:
        guard._current.clear()
    exec(compile_guarded(textwrap.dedent(source), "/x/learner.py"), namespace)
    return namespace


def test_the_verdict_names_the_use_its_line_and_what_to_do():
    ns = _load("""
        import sys

        def f(x):
            return sys.modules["torch"].exp(x)
    """)
    with pytest.raises(ForbiddenModule) as caught:
        ns["f"](torch.ones(1))
    assert str(caught.value) == "exercise 05 is built from scratch: your code used torch.exp (line 5); use NumPy"


def test_a_method_of_a_given_tensor_is_named_as_torchs():
    ns = _load("def f(x):\n    return x.exp()\n")
    with pytest.raises(ForbiddenModule, match=r"used torch\.Tensor\.exp \(line 2\)"):
        ns["f"](torch.ones(1))


def test_subclassing_a_torch_class_is_refused_at_import():
    with pytest.raises(ForbiddenModule, match="torch.nn.modules.module.Module"):
        _load("import sys\nclass Net(sys.modules['torch'].nn.Module):\n    pass\n")


def test_ordinary_python_is_untouched():
    ns = _load("""
        import numpy as np
        from functools import reduce

        class Base:
            def __init__(self, n):
                self.n = n

        class Child(Base):
            def __init__(self, n):
                super().__init__(n * 2)

            def total(self, xs, key=abs):
                return reduce(lambda a, b: a + b, sorted(xs, key=key)) + self.n

        def f(xs):
            return Child(1).total(xs) + float(np.sum(np.exp(np.zeros(2)))) + len(locals())
    """)
    assert ns["f"]([1, -2]) == (1 - 2) + 2 + 2.0 + 1


def test_the_checks_own_torch_stays_allowed():
    """A function of the check's, handed to the learner's code, may use torch: only the learner's calls count."""
    def oracle(x):
        return float(torch.exp(torch.tensor(x)))

    ns = _load("def f(g, x):\n    return g(x)\n")
    assert ns["f"](oracle, 0.0) == 1.0


def test_a_caught_refusal_is_raised_after_the_step():
    ns = _load("""
        import sys

        def f(x):
            try:
                return sys.modules["torch"].exp(x)
            except BaseException:
                return x
    """, keep=True)
    assert ns["f"](1.0) == 1.0
    with pytest.raises(ForbiddenModule, match="line 6"):
        raise_swallowed()
    raise_swallowed()  # forgotten once raised


def test_an_exercise_without_a_rule_is_compiled_as_usual(tmp_path):
    assert rule_for(tmp_path / "checks" / "test_01_x.py") is None  # no manifest above it
    assert rule_for(Path("conftest.py")) is None


def _course(tmp_path: Path, top: str, entry: str = "") -> Path:
    root = tmp_path / "c"
    shutil.copytree(Path(__file__).resolve().parents[2] / "courses" / "pytorch-from-scratch", root)
    text = (root / "kata.toml").read_text()
    text = text.replace('forbid = ["torch"]\nforbid_hint = "use NumPy"\n', top + "\n", 1)
    (root / "kata.toml").write_text(text.replace('name = "value_ops"\n', f'name = "value_ops"\n{entry}\n', 1))
    return root


def test_the_second_course_forbids_torch_everywhere():
    root = Path(__file__).resolve().parents[2] / "courses" / "pytorch-from-scratch"
    course = load_course(root)
    assert all(ex.forbid == ("torch",) and ex.forbid_hint == "use NumPy" for ex in course.exercises)
    assert rule_for(course.exercises[4].checks) == Rule(("torch",), "05", "use NumPy")


def test_an_exercise_replaces_its_courses_forbid(tmp_path):
    course = load_course(_course(tmp_path, 'forbid = ["torch"]', 'forbid = ["scipy", "torch.nn"]'))
    assert course.exercises[0].forbid == ("scipy", "torch.nn") and course.exercises[1].forbid == ("torch",)
    assert rule_for(course.exercises[0].checks) == Rule(("scipy", "torch.nn"), "01", "")


@pytest.mark.parametrize("top, entry, words", [
    ('forbid = "torch"', "", "forbid must be a list of module names"),
    ('forbid = ["torch nn"]', "", "'torch nn', which is not a module name"),
    ('forbid = ["builtins"]', "", "which kata cannot forbid"),
    ('forbid = ["kata.expect"]', "", "which kata cannot forbid"),
    ('forbid = ["torch", "torch"]', "", "forbid names a module twice"),
    ("", "forbid = [3]", "exercise #1 (value_ops): forbid must be a list of module names"),
    ("forbid_hint = 4", "", "forbid_hint must be one line of text"),
])
def test_bad_values_are_refused_with_the_fix(tmp_path, top, entry, words):
    with pytest.raises(KataError) as caught:
        load_course(_course(tmp_path, top, entry))
    assert words in caught.value.message and caught.value.fix


def test_a_rule_crosses_to_the_sandbox_as_data_and_nothing_else():
    assert Rule.from_wire(RULE.to_wire()) == RULE
    for bad in (None, [], {"modules": "torch", "exercise": "01"}, {"modules": ["x y"], "exercise": "01"},
                {"modules": [], "exercise": "01"}, {"modules": ["torch"], "exercise": 1}):
        assert Rule.from_wire(bad) is None
    assert np.isfinite(1.0)  # numpy stays importable beside the guard
