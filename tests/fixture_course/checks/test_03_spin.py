def test_answer(exercise):
    """returns 42"""
    assert exercise.answer() == 42


def test_answer_is_int(exercise):
    """returns an int"""
    assert isinstance(exercise.answer(), int)
