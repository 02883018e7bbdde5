"""Checks for 18 one_hot_encoding: a label becomes a vector with a single 1."""

import torch

from kata.expect import assert_close, assert_shape, fail


def _one_hot(ex, i, num_classes):
    result = ex.one_hot_encoding(i, num_classes)
    if result is None:
        fail(f"one_hot_encoding({i}, {num_classes}) returned None: did you forget to `return` the tensor?")
    if not isinstance(result, torch.Tensor):
        fail(f"one_hot_encoding({i}, {num_classes}) should return a torch tensor, not a value of type {type(result).__name__}.")
    return result


def _expected(i, num_classes):
    expected = torch.zeros(num_classes)
    expected[i] = 1.0
    return expected


def _check(ex, i, num_classes, what=None):
    """one_hot_encoding(i, num_classes) is right, or a message that says where its 1 went."""
    what = what or f"one_hot_encoding({i}, {num_classes})"
    result = _one_hot(ex, i, num_classes)
    if result.shape == (num_classes,) and not torch.equal(result.float(), _expected(i, num_classes)):
        ones = [int(j) for j in torch.nonzero(result.float() == 1).flatten()]
        if len(ones) == 1 and bool((result.float().sum() == 1)):
            fail(f"{what} has its 1 at position {ones[0]}, not {i}: position i holds the 1, and positions count "
                 f"from 0 (label 0 is [1, 0, ...]).")
    assert_close(result, _expected(i, num_classes), what=what)
    return result


def test_seed_example(exercise):
    """one_hot_encoding(2, 10) is [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]"""
    _check(exercise, 2, 10)
    assert_close(_one_hot(exercise, 2, 10), torch.tensor([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).float(),
                 what="one_hot_encoding(2, 10)")


def test_every_digit(exercise):
    """each digit 0 to 9 gets its 1 in its own position"""
    for i in range(10):
        _check(exercise, i, 10)


def test_shape_is_num_classes(exercise):
    """the result is a flat vector of shape (num_classes,)"""
    for i, n in ((0, 10), (0, 1), (2, 3), (4, 5), (99, 100)):
        assert_shape(_one_hot(exercise, i, n), (n,), what=f"one_hot_encoding({i}, {n})")


def test_other_numbers_of_classes(exercise):
    """it works for any number of classes, not just 10"""
    for i, n in ((0, 1), (2, 3), (4, 5), (0, 7), (99, 100)):
        _check(exercise, i, n)


def test_float_dtype(exercise):
    """the result is a float tensor, like the net's outputs"""
    result = _one_hot(exercise, 3, 10)
    if result.dtype != torch.float32:
        fail(f"one_hot_encoding(3, 10) has dtype {result.dtype}; it should be torch.float32, the dtype of the "
             "net's outputs, so the loss can compare them. "
             "(torch.nn.functional.one_hot gives int64: convert with .float().)")


def test_fresh_tensor_every_call(exercise):
    """every call returns a new tensor: earlier calls leave no trace"""
    first = _one_hot(exercise, 3, 10)
    second = _one_hot(exercise, 5, 10)
    if first is second or first.data_ptr() == second.data_ptr():
        fail("one_hot_encoding(3, 10) and one_hot_encoding(5, 10) returned the same tensor, so the second call "
             f"changed the first result (it is now {first.tolist()}). Make a new tensor in every call: share no "
             "tensor between calls.")
    assert_close(second, _expected(5, 10), what="one_hot_encoding(5, 10) called after one_hot_encoding(3, 10)")
    first_before = first.clone()
    second.fill_(7)
    third = _one_hot(exercise, 5, 10)
    assert_close(first, first_before, what="the first result, after the second was changed in place")
    assert_close(third, _expected(5, 10),
                 what="one_hot_encoding(5, 10) after an earlier result was changed in place (share no tensor "
                      "between calls)")


def test_out_of_range_is_an_error(exercise):
    """a label that is not a valid position raises an error"""
    _one_hot(exercise, 9, 10)  # a valid position works
    for i, num_classes in ((10, 10), (12, 10), (3, 3)):
        try:
            result = exercise.one_hot_encoding(i, num_classes)
        except NotImplementedError:
            raise
        except Exception:
            continue
        fail(f"one_hot_encoding({i}, {num_classes}) returned {result!r} instead of raising an error: position "
             f"{i} does not exist among {num_classes} classes (they are 0 to {num_classes - 1}). Indexing a "
             "tensor of that size at i raises for you.")
