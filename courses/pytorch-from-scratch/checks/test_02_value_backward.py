"""Checks for 02 value_backward: backward() over a graph of Values, in reverse topological order.

Expressions are built and differentiated next to the learner's code (`learner_side`); the same
expression runs on float64 tensors, and torch's gradients are the expected ones. hypothesis makes up
random expressions (leaves used several times, shared intermediate results) and shrinks a failing one.
"""

import gc
import os

import torch
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers

from kata.expect import fail, learner_side

# Two costs of hypothesis's first run, cut: it scans the source of every loaded module for constants to
# try (~0.3 s with torch loaded, cached in a .hypothesis/ folder in the learner's workspace), and it calls
# gc.collect(), which walks all of torch's objects unless they were frozen first.
providers._get_local_constants = lambda: providers._local_constants
gc.freeze()

NUMBERS = st.integers(-8, 8).map(lambda k: k / 4)


def _cases(n=None):
    """A property-based step: its @examples, then the random examples of conftest.py's hypothesis profile (or n),
    drawn from kata's seed (verify --seeds varies it), then the smallest failing one, found by shrinking."""

    def wrap(test):
        if n is not None:
            test = settings(max_examples=n)(test)
        return seed(int(os.environ.get("KATA_SEED", "0")))(test)

    return wrap


def _run(ex, leaves, program):
    """Next to the learner's code: the expression on Values, then backward() on its last node."""
    nodes = [ex.Value(v) for v in leaves]
    for op, i, j in program:
        if op == "+":
            nodes.append(nodes[i] + nodes[j])
        elif op == "*":
            nodes.append(nodes[i] * nodes[j])
        elif op == "**":
            nodes.append(nodes[i] ** j)
        else:
            nodes.append(nodes[i].relu())
    out = nodes[-1]
    result = out.backward()
    return {"data": out.data, "out_grad": out.grad, "grads": [v.grad for v in nodes[: len(leaves)]],
            "returned": result is not None}


def _oracle(leaves, program):
    nodes = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in leaves]
    for op, i, j in program:
        nodes.append({"+": lambda: nodes[i] + nodes[j], "*": lambda: nodes[i] * nodes[j],
                      "**": lambda: nodes[i] ** j, "relu": lambda: torch.relu(nodes[i])}[op]())
    nodes[-1].backward()
    return nodes[-1].item(), [0.0 if v.grad is None else v.grad.item() for v in nodes[: len(leaves)]]


def _describe(leaves, program):
    names = [f"x{i}" for i in range(len(leaves))]
    for op, i, j in program:
        if op in ("+", "*"):
            names.append(f"({names[i]} {op} {names[j]})")
        else:
            names.append(f"{names[i]} ** {j}" if op == "**" else f"{names[i]}.relu()")
    values = ", ".join(f"x{i} = {v!r}" for i, v in enumerate(leaves))
    return f"out = {names[-1]}, with {values}"


def _close(got, want):
    return abs(got - want) <= 1e-9 + 1e-9 * abs(want)


def _check(ex, leaves, program, run=None, shared=""):
    """backward() on the expression gives every leaf torch's gradient; else a message naming the first wrong one."""
    run = run or learner_side(ex, _run)
    example = f"\n  The smallest failing example: {_describe(leaves, program)}."
    got = run(ex, list(leaves), [list(step) for step in program])
    want_data, want_grads = _oracle(leaves, program)
    if got["returned"]:
        fail(f"backward() should fill in the grads and return None, but it returned a value.{example}")
    if not _close(float(got["out_grad"]), 1.0):
        fail(f"after out.backward(), out.grad is {got['out_grad']!r}, expected 1.0: backward() starts by setting "
             f"the output's own grad to 1 (d out / d out), and everything else follows from it.{example}")
    grads = [float(g) for g in got["grads"]]
    if all(g == 0 for g in grads) and any(w != 0 for w in want_grads):
        fail(f"after out.backward(), every input's grad is still 0: no gradient reached the inputs. Each Value's "
             f"_backward may only run after everything computed from it has passed its share back: run them from "
             f"the output down, in reverse topological order.{example}")
    for index, (value, want) in enumerate(zip(grads, want_grads)):
        if _close(value, want):
            continue
        hint = (" A _backward ran before its Value's grad was complete, or more than once. " + shared +
                "Run every Value's _backward exactly once, in reverse topological order: each Value after "
                "everything computed from it.")
        fail(f"x{index}.grad is {value:g} after out.backward(), expected {want:g} (d out / d x{index}, "
             f"as torch.autograd computes it).{hint}{example}")


def test_backward_on_a_leaf(exercise):
    """backward() on a Value by itself gives it grad 1"""
    _check(exercise, [3.0], [("+", 0, 0)])
    _check(exercise, [-2.0], [("relu", 0, 0), ("+", 1, 0)])


def test_a_small_expression(exercise):
    """out = x0 * x1 + x2 gives each input its derivative"""
    _check(exercise, [2.0, -3.0, 0.5], [("*", 0, 1), ("+", 3, 2)])


def test_a_chain(exercise):
    """a chain of operations, ((x0 * x1 + x0) ** 2).relu() * x1, passes the gradient all the way back"""
    _check(exercise, [1.5, 2.0], [("*", 0, 1), ("+", 2, 0), ("**", 3, 2), ("relu", 4, 0), ("*", 5, 1)])


def test_a_result_used_twice(exercise):
    """an intermediate result used twice passes its complete gradient back exactly once"""
    # b = x0 * 3 is used by c = b + x0 and by out = c * b: b's _backward must wait for both shares.
    _check(exercise, [2.0, 3.0], [("*", 0, 1), ("+", 2, 0), ("*", 3, 2)],
           shared="Here b = x0 * x1 is used twice (by c = b + x0 and by out = c * b). ")
    _check(exercise, [1.0, -0.5], [("+", 0, 1), ("*", 2, 2), ("*", 3, 2), ("+", 4, 3)],
           shared="Here x0 + x1 is used four times. ")


def test_a_result_reused_at_several_depths(exercise):
    """a result used both near the output and deep inside it (out = f(a, g(a, h(a)))) waits for every use"""
    # a = x0 * x1 feeds out directly (one step from the output) and through c = (a + x0) * a (two and three steps):
    # an order by distance from the output, or any walk that only suits trees, runs a's _backward too early.
    depth = ("Ordering by distance from the output (breadth first) runs a _backward before every use has passed its "
             "share back. ")
    _check(exercise, [2.0, 0.5], [("*", 0, 1), ("+", 2, 0), ("*", 3, 2), ("+", 2, 4)],
           shared="Here a = x0 * x1 is used by out = a + c and, deeper, by c = (a + x0) * a: it is one step from the "
                  "output and three steps from it at once. " + depth)
    # Deeper: s = x0 + x1 is used at every level of a five-step chain, t1 = s * s, t2 = t1 + s, t3 = t2 * t1,
    # out = (t3 + s) * s.
    _check(exercise, [0.5, 1.0], [("+", 0, 1), ("*", 2, 2), ("+", 3, 2), ("*", 4, 3), ("+", 5, 2), ("*", 6, 2)],
           shared="Here s = x0 + x1 is used at every depth of the expression (by t1 = s * s, t2 = t1 + s, "
                  "t3 = t2 * t1, t3 + s and the output), and t1 at two depths. " + depth)


@st.composite
def _programs(draw):
    n = draw(st.integers(1, 3))
    leaves = draw(st.lists(NUMBERS, min_size=n, max_size=n))
    program = []
    for k in range(draw(st.integers(1, 6))):
        size = n + k
        op = draw(st.sampled_from(["+", "*", "**", "relu"]))
        i = draw(st.integers(0, size - 1))
        j = draw(st.integers(0, size - 1)) if op in ("+", "*") else draw(st.sampled_from([2, 3])) if op == "**" else 0
        program.append((op, i, j))
    return leaves, program


def test_random_expressions_match_torch(exercise):
    """on random expressions, every input's gradient is torch.autograd's"""
    run = learner_side(exercise, _run)

    @_cases()
    @given(case=_programs())
    @example(case=([2.0, -1.0], [("*", 0, 1), ("+", 2, 0)]))
    def prop(case):
        _check(exercise, case[0], case[1], run)

    prop()
