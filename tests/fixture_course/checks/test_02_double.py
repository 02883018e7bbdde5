def test_positive(exercise):
    """doubles a positive number"""
    assert exercise.double(3) == 6


def test_negative(exercise):
    """doubles a negative number"""
    assert exercise.double(-3) == -6


def test_zero(exercise):
    """doubles zero"""
    assert exercise.double(0) == 0
