"""Checks for 04 tensor_backward: Tensor.backward(gradient=None), with PyTorch's errors and accumulating leaves.

Expressions are built from the given same-shape operations next to the learner's code
(`learner_side`); the same expression runs on float64 torch tensors, whose gradients are the expected
ones. A failure names the leaf and the index of its gradient's first wrong entry.
"""

import gc
import itertools
import math
import os

import numpy as np
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

# Every shape of 0 to 3 dimensions with sides 1 to 3, smallest first: what
# hypothesis.extra.numpy.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3) draws, listed once (a
# sampled_from draws in ~0.1 ms, array_shapes in ~1 ms), so that shrinking still ends on the smallest.
_ALL_SHAPES = sorted((s for d in range(0, 4) for s in itertools.product(range(1, 4), repeat=d)),
                     key=lambda s: (math.prod(s), len(s), s))
SHAPES = st.sampled_from(_ALL_SHAPES)


def _cases(n=None):
    """A property-based step: its @examples, then the random examples of conftest.py's hypothesis profile (or n),
    drawn from kata's seed (verify --seeds varies it), then the smallest failing one, found by shrinking."""

    def wrap(test):
        if n is not None:
            test = settings(max_examples=n)(test)
        return seed(int(os.environ.get("KATA_SEED", "0")))(test)

    return wrap


def _run(ex, leaves, flags, program, gradients):
    """Next to the learner's code: the expression on Tensors, then out.backward(g) for each g (None: no argument)."""
    nodes = [ex.Tensor(v, requires_grad=f) for v, f in zip(leaves, flags)]
    for op, i, j in program:
        if op == "+":
            nodes.append(nodes[i] + nodes[j])
        elif op == "-":
            nodes.append(nodes[i] - nodes[j])
        elif op == "*":
            nodes.append(nodes[i] * nodes[j])
        elif op == "neg":
            nodes.append(-nodes[i])
        else:
            nodes.append(nodes[i] * j)
    out = nodes[-1]
    for g in gradients:
        if g is None:
            out.backward()
        else:
            out.backward(g)
    return {"grads": [v.grad for v in nodes[: len(leaves)]], "data": out.data}


def _oracle(leaves, flags, program, gradients):
    nodes = [torch.tensor(v, dtype=torch.float64, requires_grad=f) for v, f in zip(leaves, flags)]
    for op, i, j in program:
        nodes.append({"+": lambda: nodes[i] + nodes[j], "-": lambda: nodes[i] - nodes[j],
                      "*": lambda: nodes[i] * nodes[j], "neg": lambda: -nodes[i],
                      "scale": lambda: nodes[i] * j}[op]())
    out = nodes[-1]
    for g in gradients:
        # (out * g).sum().backward() is out.backward(g); out.backward(gradient) imports sympy (~1 s) on first use
        (out * torch.tensor(np.ones(out.shape) if g is None else g, dtype=torch.float64)).sum().backward(
            retain_graph=True)
    return [None if v.grad is None else v.grad.numpy() for v in nodes[: len(leaves)]]


def _describe(leaves, flags, program):
    names = [f"x{i}" for i in range(len(leaves))]
    for op, i, j in program:
        if op in ("+", "-", "*"):
            names.append(f"({names[i]} {op} {names[j]})")
        else:
            names.append(f"-{names[i]}" if op == "neg" else f"({names[i]} * {j})")
    shapes = ", ".join(f"x{i} of shape {np.shape(v)}" + ("" if f else " (does not require grad)")
                       for i, (v, f) in enumerate(zip(leaves, flags)))
    return f"out = {names[-1]}, with {shapes}"


def _index(i):
    return "(" + ", ".join(str(int(v)) for v in i) + ("," if len(i) == 1 else "") + ")"


def _same_grad(got, want, name, example, hint=""):
    """A leaf's .grad is torch's, or a message naming the leaf and the first wrong entry."""
    if want is None:
        if got is not None:
            fail(f"{name}.grad should stay None: {name} does not require grad, so no gradient is kept for it "
                 f"(only parents that require grad receive one).{example}")
        return
    if got is None:
        fail(f"{name}.grad is None after backward(), but {name} requires grad and the output depends on it: every "
             f"leaf that requires grad must receive its gradient in .grad. (Is the graph walked from the output "
             f"down, in reverse topological order?){hint}{example}")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        fail(f"{name}.grad has shape {got.shape}, but {name} has shape {want.shape}: a gradient has its tensor's "
             f"shape.{hint}{example}")
    wrong = ~np.isclose(got, want, atol=1e-9, rtol=1e-7)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        at = f" at index {_index(index)}, its first wrong entry" if index else ""
        fail(f"the gradient of {name} is wrong{at}: expected {want[index]:.6g}, got {got[index]:.6g} "
             f"({int(wrong.sum())} of {wrong.size} entries differ).{hint}{example}")


def _check(ex, leaves, flags, program, gradients, run=None, hint="", example=None):
    run = run or learner_side(ex, _run)
    leaves = [np.asarray(v, dtype=np.float64) for v in leaves]
    example = example or f"\n  The smallest failing example: {_describe(leaves, flags, program)}."
    got = run(ex, leaves, list(flags), [list(step) for step in program], gradients)
    want = _oracle(leaves, flags, program, gradients)
    for i, (g, w) in enumerate(zip(got["grads"], want)):
        _same_grad(g, w, f"x{i}", example, hint)


def test_a_single_element_output(exercise):
    """backward() on a one-element result fills each leaf's .grad with its derivative"""
    _check(exercise, [[2.0], [3.0]], [True, True], [("*", 0, 1)], [None])
    _check(exercise, [2.0, -1.5, 0.5], [True, True, True], [("+", 0, 1), ("*", 3, 2)], [None])
    # one element but not 0-d: the starting gradient has the output's shape, (1,) or (1, 1), and so does each grad
    _check(exercise, [[2.0], [3.0]], [True, True], [("+", 0, 1)], [None],
           hint=" The gradient backward() starts from is ones of the output's own shape, here (1,), not the number 1.")
    _check(exercise, [[[2.0]]], [True], [("scale", 0, 2.0)], [None],
           hint=" The gradient backward() starts from is ones of the output's own shape, here (1, 1).")


def _error(ex, x, gradient, requires_grad):
    """Next to the learner's code: backward() on a * 2 + a, and what it raised, as text."""
    a = ex.Tensor(x, requires_grad=requires_grad)
    out = a * 2.0 + a
    try:
        if gradient is None:
            out.backward()
        else:
            out.backward(gradient)
    except Exception as exc:  # the learner's exception, reported as data
        return {"type": type(exc).__name__, "message": str(exc), "grad": a.grad}
    return {"type": None, "message": "", "grad": a.grad}


def _expect_error(ex, x, gradient, requires_grad, what, text, why):
    got = learner_side(ex, _error)(ex, np.asarray(x, dtype=np.float64), gradient, requires_grad)
    if got["type"] is None:
        fail(f"{what} should raise RuntimeError(\"{text}...\") as PyTorch does, but it raised nothing "
             f"({why}).")
    if got["type"] != "RuntimeError" or text not in got["message"]:
        fail(f"{what} should raise RuntimeError(\"{text}...\") as PyTorch does, but it raised "
             f"{got['type']}({got['message']!r:.150}) ({why}).")


def test_a_vector_output_needs_a_gradient(exercise):
    """backward() without a gradient on a result of several elements is PyTorch's RuntimeError"""
    _expect_error(exercise, [1.0, 2.0, 3.0], None, True, "out.backward() on an out of shape (3,)",
                  "grad can be implicitly created only for scalar outputs",
                  "only a single-element output has an obvious starting gradient, 1")
    _expect_error(exercise, [[1.0, 2.0]], None, True, "out.backward() on an out of shape (1, 2)",
                  "grad can be implicitly created only for scalar outputs",
                  "only a single-element output has an obvious starting gradient, 1")


def test_a_gradient_of_the_wrong_shape(exercise):
    """backward(gradient) with a gradient of another shape than the output is a RuntimeError"""
    _expect_error(exercise, [1.0, 2.0, 3.0], np.ones(2), True, "out.backward(gradient) with out of shape (3,) and "
                  "gradient of shape (2,)", "Mismatch in shape", "the gradient must have the output's shape")
    _expect_error(exercise, [1.0, 2.0], np.ones((1, 2)), True, "out.backward(gradient) with out of shape (2,) and "
                  "gradient of shape (1, 2)", "Mismatch in shape", "the gradient must have exactly the output's shape")


def test_a_tensor_that_does_not_require_grad(exercise):
    """backward() on a result that does not require grad is PyTorch's RuntimeError"""
    _expect_error(exercise, [1.0], None, False, "out.backward() on an out that does not require grad",
                  "element 0 of tensors does not require grad and does not have a grad_fn",
                  "nothing it came from requires grad, so there is no graph to go back through")


def test_a_leaf_used_twice(exercise):
    """a leaf used several times gets the sum of the gradients along every path"""
    _check(exercise, [[1.0, 2.0, -3.0]], [True], [("*", 0, 0), ("+", 1, 0)], [np.array([1.0, 0.5, 2.0])],
           hint=" Here x0 is used three times (x0 * x0 + x0): its gradient is the sum of what every use sends back, "
                "so gradients meeting at the same Tensor must add up, never replace each other, and all of them "
                "must arrive before the Tensor is handled: walk the graph in reverse topological order (each "
                "Tensor after everything computed from it), not in the order a search first meets it.")


def test_a_result_used_twice(exercise):
    """an intermediate result used twice passes its complete gradient back once"""
    _check(exercise, [[1.5, -2.0], [0.5, 3.0]], [True, True], [("*", 0, 1), ("*", 2, 2), ("+", 3, 2)],
           [np.array([1.0, -1.0])],
           hint=" Here b = x0 * x1 is used three times (b * b + b): its gradient must be complete (all three shares) "
                "before it is passed on to x0 and x1, and passed on once: visit every Tensor once, in reverse "
                "topological order.")


def test_a_result_reused_at_several_depths(exercise):
    """a result used near the output and deep inside it (out = f(a, g(a, h(a)))) passes its gradient on once, complete"""
    _check(exercise, [[2.0, -1.0], [0.5, 1.5]], [True, True],
           [("*", 0, 1), ("+", 2, 0), ("*", 3, 2), ("*", 4, 3), ("+", 2, 5)], [np.array([1.0, -0.5])],
           hint=" Here a = x0 * x1 is used by out = a + d and, deeper, by b = a + x0, c = b * a and d = c * b: one "
                "step from the output and four steps from it at once. Ordering by distance from the output (breadth "
                "first) passes a's gradient on before every use has sent its share: order the graph depth first, "
                "each Tensor after everything computed from it, and walk that order backwards.")


def test_a_second_backward_adds_to_grad(exercise):
    """a second backward() adds to each leaf's .grad, as PyTorch does"""
    _check(exercise, [[1.0, 2.0], [3.0, -1.0]], [True, True], [("+", 0, 1)],
           [np.array([1.0, 2.0]), np.array([0.5, 0.5])],
           hint=" out.backward() ran twice here, with two different gradients: like PyTorch, each leaf's .grad must "
                "hold the sum of both, so a backward pass adds to what .grad holds. (If both leaves show the same "
                "wrong numbers, they share one array: store a copy of the gradient in .grad.)",
           example="\n  out = x0 + x1, with x0 = [1, 2] and x1 = [3, -1], then out.backward([1, 2]) and "
                   "out.backward([0.5, 0.5]).")
    _check(exercise, [[2.0], [3.0]], [True, True], [("*", 0, 1), ("*", 2, 0)], [np.array([1.0]), np.array([1.0])],
           hint=" out.backward() ran twice here, through an intermediate result c = x0 * x1 (out = c * x0): each pass "
                "must start afresh from out and give each leaf its share once more. Only leaves keep a .grad; an "
                "intermediate's gradient belongs to one pass (keep it in the pass's own table, not in c.grad).",
           example="\n  out = (x0 * x1) * x0, with x0 = [2] and x1 = [3], then out.backward([1]) twice.")


def test_constants_get_no_grad(exercise):
    """a Tensor that does not require grad keeps .grad None"""
    _check(exercise, [[1.0, 2.0], [3.0, 4.0]], [True, False], [("*", 0, 1), ("+", 2, 1)], [np.ones(2)])


# Built once, at module level (the standby imports this module before the save arrives), not in every step.
@st.composite
def _programs(draw):
    shape = draw(SHAPES)
    n = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    leaves = [rng.uniform(-2, 2, shape) for _ in range(n)]
    flags = [True] + [draw(st.booleans()) for _ in range(n - 1)]
    program = []
    for k in range(draw(st.integers(0, 4))):
        size = n + k
        op = draw(st.sampled_from(["+", "-", "*", "neg", "scale"]))
        i = draw(st.integers(0, size - 1))
        j = draw(st.integers(0, size - 1)) if op in ("+", "-", "*") else draw(st.sampled_from([2.0, -0.5]))
        program.append((op, i, j))
    program.append(("*", n + len(program) - 1, 0))  # the output always depends on x0
    return leaves, flags, program, rng.uniform(-1, 1, shape)


PROGRAMS = _programs()
# The first torch expression and backward of a process pay torch's lazy set-up (~10 ms): paid here, in the standby.
_oracle([np.ones(2), np.ones(2)], [True, False], [("*", 0, 1), ("neg", 2, 0), ("scale", 3, 2.0)], [np.ones(2)])


def test_a_vector_output_with_a_gradient(exercise):
    """backward(gradient) on a result of any shape gives torch's vector-Jacobian product"""
    run = learner_side(exercise, _run)

    @_cases()
    @given(case=PROGRAMS)
    @example(case=([np.array([1.0, -2.0]), np.array([0.5, 3.0])], [True, True], [("*", 0, 1), ("*", 2, 0)],
                   np.array([2.0, -1.0])))
    def prop(case):
        leaves, flags, program, g = case
        _check(exercise, leaves, flags, program, [g], run)

    prop()
