"""Checks for 01 relu: ReLU on a single float."""

import math

from kata.expect import fail


def _relu(ex, x: float, want: float) -> None:
    """relu(x) is `want`, or a message that names the likely mistake."""
    got = ex.relu(x)
    if got is None:
        fail(f"relu({x!r}) returned None: every path through relu needs a `return` "
             "(is the `else` branch, for x <= 0, missing?).")
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        fail(f"relu({x!r}) should return a float, but returned {got!r:.80} ({type(got).__name__}).")
    if got == want:
        return
    if x < 0 and got == -x:
        fail(f"relu({x!r}) returned {got!r}, expected {want!r}: that is abs(x). ReLU turns negative inputs into 0.0.")
    if x < 0 and got == x:
        fail(f"relu({x!r}) returned {got!r}, expected {want!r}: the negative input came out unchanged. "
             "ReLU turns negative inputs into 0.0.")
    if x > 0 and got == 0:
        fail(f"relu({x!r}) returned {got!r}, expected {want!r}: positive inputs pass through unchanged "
             "(max(x, 0.0) is the larger of the two, not the smaller).")
    if (math.isnan(got) or math.isinf(got)) and not math.isinf(want):
        fail(f"relu({x!r}) returned {got!r}, expected {want!r}: relu is wrong at extreme values. A formula that "
             "computes with x breaks there: (x + abs(x)) / 2 overflows to inf for huge x and gives nan for -inf, "
             "x * (x > 0) gives nan for -inf (-inf * 0). Choose between x and 0.0 instead: max(x, 0.0), or an if/else.")
    fail(f"relu({x!r}) returned {got!r}, expected {want!r}.")


def test_positive_inputs_pass_through(exercise):
    """positive inputs come out unchanged"""
    _relu(exercise, 5.0, 5.0)
    _relu(exercise, 0.25, 0.25)
    _relu(exercise, 1e6, 1e6)


def test_negative_inputs_become_zero(exercise):
    """negative inputs come out as 0.0"""
    _relu(exercise, -1.0, 0.0)
    _relu(exercise, -1e-9, 0.0)
    _relu(exercise, -123.5, 0.0)


def test_extreme_values(exercise):
    """the largest floats and the infinities: positives come out unchanged, negatives as 0.0"""
    _relu(exercise, 1.7e308, 1.7e308)
    _relu(exercise, -1.7e308, 0.0)
    _relu(exercise, math.inf, math.inf)
    _relu(exercise, -math.inf, 0.0)


def test_zero_stays_zero(exercise):
    """relu(0.0) is 0.0"""
    _relu(exercise, 0.0, 0.0)


def test_returns_a_float(exercise):
    """the result is a float, even for a negative input"""
    result = exercise.relu(-3.0)
    assert isinstance(result, float), f"relu(-3.0) returned {result!r} of type {type(result).__name__}; return 0.0, not 0"
    assert not math.isnan(exercise.relu(2.0))
