def test_small_numbers(exercise):
    """adds small numbers"""
    assert exercise.add(1, 2) == 3


def test_negative_numbers(exercise):
    """adds negative numbers"""
    assert exercise.add(-1, -2) == -3
