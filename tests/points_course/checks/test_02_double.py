def test_positive(exercise):
    """doubles a positive number"""
    assert exercise.double(3) == 6


def test_negative(exercise):
    """doubles a negative number"""
    assert exercise.double(-4) == -8
