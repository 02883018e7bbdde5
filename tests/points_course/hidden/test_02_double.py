# HIDDEN-CHECK-TEXT-9c41: graded only; no learner's code may ever read this line.
def test_secret_zero(exercise):
    """doubles zero"""
    assert exercise.double(0) == 0, "HIDDEN-EXPECTED-VALUE-0"


def test_secret_float(exercise):
    """doubles a float"""
    assert exercise.double(1.5) == 3.0
