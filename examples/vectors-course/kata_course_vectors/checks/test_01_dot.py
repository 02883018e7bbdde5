"""Checks for 01 dot: the dot product of two vectors."""

import pytest


def test_small_example(exercise):
    """dot([1, 2, 3], [4, 5, 6]) is 32"""
    got = exercise.dot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert got == 32.0, f"expected 1*4 + 2*5 + 3*6 = 32, got {got!r}"


def test_adds_products_not_sums(exercise):
    """it multiplies matching elements, then adds"""
    got = exercise.dot([2.0, 3.0], [5.0, 7.0])
    assert got != 17.0, "got 17 = (2+3) + (5+7): that adds the elements; multiply matching ones instead"
    assert got == 31.0, f"expected 2*5 + 3*7 = 31, got {got!r}"


def test_negative_numbers(exercise):
    """negative products count too"""
    got = exercise.dot([1.0, -2.0], [3.0, 4.0])
    assert got == -5.0, f"expected 1*3 + (-2)*4 = -5, got {got!r}"


def test_different_lengths_are_refused(exercise):
    """vectors of different lengths raise ValueError"""
    with pytest.raises(ValueError):
        exercise.dot([1.0, 2.0, 3.0], [1.0, 2.0])


def test_inputs_are_left_alone(exercise):
    """the caller's lists are left as they were"""
    u, v = [1.0, 2.0], [3.0, 4.0]
    exercise.dot(u, v)
    assert (u, v) == ([1.0, 2.0], [3.0, 4.0]), f"dot changed its inputs: they are now {u} and {v}"
