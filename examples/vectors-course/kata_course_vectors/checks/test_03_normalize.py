"""Checks for 03 normalize: a unit vector in the same direction."""

import math

import pytest


def _close(got, expected) -> bool:
    return isinstance(got, list) and len(got) == len(expected) and all(
        math.isclose(a, b, abs_tol=1e-12) for a, b in zip(got, expected))


def test_three_four(exercise):
    """normalize([3, 4]) is [0.6, 0.8]"""
    got = exercise.normalize([3.0, 4.0])
    assert _close(got, [0.6, 0.8]), f"expected [0.6, 0.8] (each element divided by the length 5), got {got!r}"


def test_result_has_length_one(exercise):
    """the result has length 1 and points the same way"""
    v = [1.0, -2.0, 2.0]
    got = exercise.normalize(v)
    assert _close(got, [1 / 3, -2 / 3, 2 / 3]), f"expected each element divided by 3, got {got!r}"


def test_input_is_left_alone(exercise):
    """the input list is left as it was"""
    v = [3.0, 4.0]
    exercise.normalize(v)
    assert v == [3.0, 4.0], f"normalize changed its input to {v!r}: build a new list instead"


def test_zero_vector_is_refused(exercise):
    """the zero vector raises ValueError"""
    with pytest.raises(ValueError):
        exercise.normalize([0.0, 0.0])
