import math


def test_mean_of_three(exercise):
    """the mean of 1, 2, 6 is 3"""
    got = exercise.mean([1.0, 2.0, 6.0])
    assert type(got) in (float, int), f"mean should return a number, not {type(got).__name__}"
    assert got == 3.0


def test_mean_of_one(exercise):
    """the mean of one number is that number"""
    assert math.isclose(exercise.mean([7.5]), 7.5)


def test_not_always_equal(exercise):
    """the mean of 1 and 2 is not 0"""
    got = exercise.mean([1.0, 2.0])
    assert got == 1.5
    assert not (got == 0.0)
