"""Checks for 01 relu: ReLU on a single float."""

import math


def test_positive_inputs_pass_through(exercise):
    """positive inputs come out unchanged"""
    assert exercise.relu(5.0) == 5.0
    assert exercise.relu(0.25) == 0.25
    assert exercise.relu(1e6) == 1e6


def test_negative_inputs_become_zero(exercise):
    """negative inputs come out as 0.0"""
    assert exercise.relu(-1.0) == 0.0
    assert exercise.relu(-1e-9) == 0.0
    assert exercise.relu(-123.5) == 0.0


def test_zero_stays_zero(exercise):
    """relu(0.0) is 0.0"""
    assert exercise.relu(0.0) == 0.0


def test_returns_a_float(exercise):
    """the result is a float, even for a negative input"""
    result = exercise.relu(-3.0)
    assert isinstance(result, float), f"relu(-3.0) returned {result!r} of type {type(result).__name__}; return 0.0, not 0"
    assert not math.isnan(exercise.relu(2.0))
