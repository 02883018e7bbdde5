"""Mutants of a solution, made with `ast`: what gets mutated, how, and what a change that cannot apply leaves."""

from kata.dev.mutants import applied, generate
from kata.dev.mutants.learner import returning_todos, todo_assignments

STUB = '''
import math

def given(x):
    """Given as working code."""
    return x + 1

def scale(values, factor):
    # TODO
    raise NotImplementedError("scale: multiply each value")

class Counter:
    def bump(self, by):
        raise NotImplementedError

answer = None  # TODO
'''

SOLUTION = '''
import math

def given(x):
    """Given as working code."""
    return x + 1

def scale(values, factor):
    out = [v * factor for v in values]
    return out

class Counter:
    def bump(self, by):
        self.count = getattr(self, "count", 0)
        self.count += by

answer = 42
print("demo")
'''


def _run(mutant, tmp_path):
    mark = tmp_path / "mark"
    namespace: dict = {"__name__": "m"}
    exec(compile(mutant.source(mark), "m.py", "exec"), namespace)
    return namespace, mark


def test_only_what_the_learner_writes_is_mutated():
    made = generate(STUB, SOLUTION, limit=50)
    wheres = {m.where for m in made}
    assert wheres == {"scale", "Counter.bump", "answer", "`print('demo')`"}
    ops = {(m.where, m.operator) for m in made}
    assert ("scale", "first_arg") in ops and ("scale", "transpose") in ops and ("scale", "touch") in ops
    assert ("Counter.bump", "drop") in ops and ("Counter.bump", "flip") in ops
    assert ("Counter.bump", "zeros") not in ops  # it returns nothing: no value to change
    assert {op for where, op in ops if where == "answer"} == {"zeros", "negate", "constant"}


def test_the_cap_spreads_over_every_part():
    made = generate(STUB, SOLUTION, limit=4)
    assert [m.where for m in made] == ["scale", "Counter.bump", "answer", "`print('demo')`"]


def test_value_changes_keep_the_kind_of_value(tmp_path):
    by_op = {m.operator: m for m in generate(STUB, SOLUTION, limit=50) if m.where == "scale"}
    namespace, mark = _run(by_op["negate"], tmp_path)
    assert namespace["scale"]([1.0, 2.0], 2.0) == [-2.0, -4.0]
    assert set(applied(mark)) >= {"negate", "zeros", "constant", "touch"}
    namespace, _ = _run(by_op["first_arg"], tmp_path)
    assert namespace["scale"]([1.0, 2.0], 2.0) == [1.0, 2.0]
    values = [1.0, 2.0]
    namespace, _ = _run(by_op["touch"], tmp_path)
    assert namespace["scale"](values, 2.0) == [2.0, 4.0] and values == [1.0, 2.0, 2.0]


def test_a_change_that_cannot_apply_leaves_no_mark(tmp_path):
    transpose = next(m for m in generate(STUB, SOLUTION, limit=50) if m.operator == "transpose")
    namespace, mark = _run(transpose, tmp_path)
    assert namespace["scale"]([1.0, 2.0], 2.0) == [2.0, 4.0]  # a flat list has nothing to transpose
    assert "transpose" not in applied(mark)


def test_tensors_keep_shape_dtype_and_graph(tmp_path):
    import torch

    solution = "def f(x):\n    return x * 2\n"
    stub = "def f(x):\n    raise NotImplementedError\n"
    by_op = {m.operator: m for m in generate(stub, solution, limit=50)}
    x = torch.arange(6.0).reshape(2, 3).requires_grad_()
    for op in ("zeros", "negate", "constant", "transpose"):
        namespace, mark = _run(by_op[op], tmp_path)
        out = namespace["f"](x)
        assert out.dtype == torch.float32 and out.requires_grad and op in applied(mark)
    assert namespace["f"](x).shape == (3, 2)


def test_module_level_todo_and_a_stub_that_returns():
    import ast

    assert todo_assignments(STUB, ast.parse(STUB)) == ["answer"]
    assert returning_todos("def f(x):\n    return 0  # TODO\n", "def f(x):\n    return x + 1\n") == ["f"]
    assert returning_todos(STUB, SOLUTION) == []
