"""Checks for 02 norm: the length of a vector."""

import math


def test_three_four_five(exercise):
    """norm([3, 4]) is 5"""
    got = exercise.norm([3.0, 4.0])
    assert got != 25.0, "got 25, the squared length: take its square root"
    assert got != 7.0, "got 7 = 3 + 4: square the elements before adding them"
    assert math.isclose(got, 5.0), f"expected sqrt(3**2 + 4**2) = 5, got {got!r}"


def test_negative_elements(exercise):
    """negative elements make the vector no shorter"""
    got = exercise.norm([-3.0, -4.0])
    assert math.isclose(got, 5.0), f"expected sqrt((-3)**2 + (-4)**2) = 5, got {got!r}"


def test_zero_vector(exercise):
    """the zero vector has length 0"""
    got = exercise.norm([0.0, 0.0, 0.0])
    assert got == 0.0, f"expected 0.0, got {got!r}"


def test_input_is_left_alone(exercise):
    """the caller's list is left as it was"""
    v = [3.0, 4.0]
    exercise.norm(v)
    assert v == [3.0, 4.0], f"norm changed its input: it is now {v}"
