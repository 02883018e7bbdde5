# HIDDEN-CHECK-TEXT-9c41: graded only; no learner's code may ever read this line.
def test_large_numbers(exercise):
    """adds large numbers"""
    assert exercise.add(10**12, 1) == 10**12 + 1
