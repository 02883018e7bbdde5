def test_positive(exercise):
    """negates a positive number"""
    assert exercise.negate(3) == -3


def test_zero(exercise):
    """negates zero to zero"""
    assert exercise.negate(0) == 0


def test_negative(exercise):
    """negates a negative number"""
    assert exercise.negate(-2) == 2
