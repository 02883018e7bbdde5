"""Checks for 01 value_ops: +, *, ** and relu on a scalar Value, each with its local derivative.

torch is the oracle: each operation runs on fresh Values and on float64 tensors, then the Value's
own `_backward` (with the result's grad set to a random number) must give what torch.autograd gives.
Values are made and used next to the learner's code (`learner_side`), so that only numbers cross.
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

NUMBERS = st.integers(-16, 16).map(lambda k: k / 4)  # exact in binary: no rounding noise in the oracle
NONZERO = NUMBERS.filter(lambda v: v != 0)
GRADS = st.sampled_from([1.0, 0.5, -2.0, 3.0])


def _cases(n=None):
    """A property-based step: its @examples, then the random examples of conftest.py's hypothesis profile (or n),
    drawn from kata's seed (verify --seeds varies it), then the smallest failing one, found by shrinking."""

    def wrap(test):
        if n is not None:
            test = settings(max_examples=n)(test)
        return seed(int(os.environ.get("KATA_SEED", "0")))(test)

    return wrap


def _apply(ex, op, x, y, g, pre=0.0):
    """Next to the learner's code: one operation on fresh Values, then the result's own _backward with grad g,
    the inputs' grads set to `pre` first (a value already used elsewhere in the graph)."""
    a, b = ex.Value(x), ex.Value(y)
    if op == "+":
        out = a + b
    elif op == "*":
        out = a * b
    elif op == "**":
        out = a**y
    elif op == "relu":
        out = a.relu()
    elif op == "a+2":
        out = a + 2
    elif op == "2+a":
        out = 2 + a
    elif op == "3*a":
        out = 3 * a
    elif op == "a*3":
        out = a * 3
    elif op == "a*a":
        out = a * a
    elif op == "a+a":
        out = a + a
    else:
        raise ValueError(op)
    if out is None:
        return {"problem": "returned None: did you forget to `return out`?"}
    if not isinstance(out, ex.Value):
        return {"problem": f"returned a {type(out).__name__}, not a Value"}
    inputs = [a] if op in ("**", "relu", "a+2", "2+a", "3*a", "a*3", "a*a", "a+a") else [a, b]
    remembered = all(any(p is v for p in out._prev) for v in inputs)
    if pre:
        a.grad = b.grad = pre
    out.grad = g
    if not callable(out._backward):
        return {"problem": "has a _backward that is not a function"}
    out._backward()
    return {"data": out.data, "a": a.grad, "b": b.grad, "remembered": remembered}


def _oracle(op, x, y, g):
    a = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    out = {"+": lambda: a + b, "*": lambda: a * b, "**": lambda: a**y, "relu": lambda: torch.relu(a),
           "a+2": lambda: a + 2, "2+a": lambda: 2 + a, "3*a": lambda: 3 * a, "a*3": lambda: a * 3,
           "a*a": lambda: a * a, "a+a": lambda: a + a}[op]()
    (out * g).backward()  # not out.backward(gradient): that imports sympy (~1 s) on its first call
    return out.item(), (a.grad.item() if a.grad is not None else 0.0), (b.grad.item() if b.grad is not None else 0.0)


def _number(value, what, example):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(f"{what} should be a number, but it is {value!r:.80}.{example}")
    return float(value)


def _close(got, want):
    return abs(got - want) <= 1e-9 + 1e-9 * abs(want)


def _check(ex, op, x, y, g, expr, run=None, pre=0.0):
    """`expr` on Values gives torch's value, and its _backward gives torch's gradients (added to `pre`,
    the grad its inputs already had)."""
    run = run or learner_side(ex, _apply)
    example = f"\n  The smallest failing example: {expr} with a = {x!r}" + (f", b = {y!r}" if "b" in expr else "") + \
              (f", {'a.grad and b.grad' if 'b' in expr else 'a.grad'} already {pre!r} (as after another use)"
               if pre else "") + f", and the result's grad set to {g!r} before calling its _backward()."
    try:
        got = run(ex, op, x, y, g, pre)
    except ZeroDivisionError as exc:
        fail(f"{expr} raised ZeroDivisionError ({exc}) at a = {x!r}, where the derivative exists: "
             + ("the derivative of a ** k is k * a ** (k - 1), 0 at a = 0 for k > 1; written as k * a ** k / a it "
                "divides by a, which may be 0." if expr.startswith("a ** ") else "nothing here needs a division.")
             + example)
    if "problem" in got:
        fail(f"{expr} {got['problem']}.{example}")
    want_data, want_a, want_b = _oracle(op, x, y, g)
    want_a, want_b = want_a + pre, want_b + pre
    data = _number(got["data"], f"({expr}).data", example)
    if not _close(data, want_data):
        fail(f"({expr}).data is {data:g}, expected {want_data:g}.{example}")
    if not got["remembered"]:
        fail(f"the result of {expr} does not list its input{'s' if 'b' in expr else ''} in _prev: backward() will "
             f"need them to find its way back through the graph. Pass them to Value(data, _children=...).{example}")
    for name, value, want in (("a", got["a"], want_a), ("b", got["b"], want_b)):
        if name == "b" and "b" not in expr:
            continue
        value = _number(value, f"{name}.grad", example)
        if _close(value, want):
            continue
        if pre and _close(value, want - pre):
            fail(f"{name}.grad is {value:g}, expected {want:g}: it was already {pre:g} before this _backward(), "
                 f"which replaced it instead of adding to it. A value used in several places gets the sum of every "
                 f"use's gradient: write `{name}.grad += ...`, never `{name}.grad = ...`, in each _backward.{example}")
        if want != 0 and _close(value, want / 2) and expr in ("a * a", "a + a"):
            fail(f"a.grad is {value:g}, half the right {want:g}: a is used twice in {expr}, and each use must add "
                 f"its share to a.grad. With `a.grad = ...` the second share overwrote the first; use `+=`.{example}")
        if expr == "a.relu()" and x == 0 and value != 0:
            fail(f"a.grad is {value:g} for relu at a = 0: PyTorch takes relu's derivative at 0 to be 0, so only "
                 f"a > 0 lets the gradient through (a strict comparison).{example}")
        if expr.startswith("a ** ") and _close(value, y * x**y * g):
            fail(f"a.grad is {value:g}, which is k * a ** k times the result's grad: the derivative of a ** k is "
                 f"k * a ** (k - 1).{example}")
        if want != 0 and _close(value, want / g) and g != 1:
            fail(f"{name}.grad is {value:g}, expected {want:g}: the local derivative must be multiplied by the "
                 f"result's own grad (out.grad), as the chain rule says.{example}")
        fail(f"{name}.grad is {value:g} after the result's _backward(), expected {want:g} (d({expr})/d{name} "
             f"times the result's grad).{example}")


def test_add(exercise):
    """a + b has the right value, and passes the result's grad to both inputs"""
    run = learner_side(exercise, _apply)

    @_cases()
    @given(x=NUMBERS, y=NUMBERS, g=GRADS)
    @example(x=1.5, y=-2.0, g=1.0)
    def prop(x, y, g):
        _check(exercise, "+", x, y, g, "a + b", run)

    prop()


def test_multiply(exercise):
    """a * b has the right value, and each input's derivative is the other input"""
    run = learner_side(exercise, _apply)

    @_cases()
    @given(x=NUMBERS, y=NUMBERS, g=GRADS)
    @example(x=1.5, y=-2.0, g=1.0)
    def prop(x, y, g):
        _check(exercise, "*", x, y, g, "a * b", run)

    prop()


def test_power(exercise):
    """a ** k, for whole and fractional exponents and at a = 0, with derivative k * a ** (k - 1)"""
    run = learner_side(exercise, _apply)

    @_cases()
    @given(x=NONZERO, k=st.sampled_from([2, 3, -1, 0.5]), g=GRADS)
    @example(x=1.5, k=2, g=1.0)
    @example(x=0.0, k=2, g=1.0)  # a = 0: the derivative exists (0) for k > 1, so it must not divide by a
    @example(x=0.0, k=3, g=-2.0)
    @example(x=-1.5, k=3, g=0.5)
    def prop(x, k, g):
        if k == 0.5:
            x = abs(x)
        _check(exercise, "**", x, k, g, f"a ** {k}", run)

    prop()


def test_relu(exercise):
    """relu passes positive values and their grad through, and zeroes the rest (at 0 too, as PyTorch)"""
    run = learner_side(exercise, _apply)
    _check(exercise, "relu", 0.0, 0.0, 1.0, "a.relu()", run)

    @_cases()
    @given(x=NUMBERS, g=GRADS)
    @example(x=1.5, g=1.0)
    def prop(x, g):
        _check(exercise, "relu", x, 0.0, g, "a.relu()", run)

    prop()


def test_plain_numbers_on_either_side(exercise):
    """a plain number works on either side of + and * (a + 2, 2 + a, 3 * a, a * 3)"""
    run = learner_side(exercise, _apply)
    for op, expr in (("a+2", "a + 2"), ("2+a", "2 + a"), ("a*3", "a * 3"), ("3*a", "3 * a")):
        try:
            _check(exercise, op, 1.5, 0.0, 2.0, expr, run)
        except (AttributeError, TypeError) as exc:
            fail(f"{expr} failed with {type(exc).__name__}: {exc}\nA plain number must work as the other operand: "
                 "turn it into a Value first (other if isinstance(other, Value) else Value(other)).")


def test_every_operation_adds_to_the_grad(exercise):
    """every operation's _backward adds to a grad already there (+=): a value used elsewhere keeps that share"""
    run = learner_side(exercise, _apply)
    for op, x, y, expr in (("+", 1.5, -2.0, "a + b"), ("*", 1.5, -2.0, "a * b"), ("**", 1.5, 2, "a ** 2"),
                           ("**", 2.0, -1, "a ** -1"), ("relu", 1.5, 0.0, "a.relu()"), ("a+2", 1.5, 0.0, "a + 2"),
                           ("3*a", 1.5, 0.0, "3 * a")):
        _check(exercise, op, x, y, 2.0, expr, run, pre=0.75)


def test_a_value_used_twice_accumulates(exercise):
    """a value used twice (a * a, a + a) gets the sum of both uses' gradients"""
    run = learner_side(exercise, _apply)
    _check(exercise, "a*a", 3.0, 0.0, 1.0, "a * a", run)
    _check(exercise, "a+a", 3.0, 0.0, 1.0, "a + a", run)
    _check(exercise, "a*a", -1.5, 0.0, 2.0, "a * a", run)
