import torch

from kata.expect import assert_close


def test_moves_in_place(exercise):
    """x moves to x - lr * grad, in the same tensor"""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.grad = torch.tensor([10.0, -10.0])
    ptr = x.data_ptr()
    exercise.nudge(x, 0.1)
    assert_close(x.detach(), torch.tensor([0.0, 3.0]))
    assert x.data_ptr() == ptr, "x was rebound, not updated in place"


def test_returns_nothing(exercise):
    """nudge changes x and returns None"""
    x = torch.zeros(2, requires_grad=True)
    x.grad = torch.ones(2)
    assert exercise.nudge(x, 1.0) is None
    assert torch.equal(x.detach(), torch.full((2,), -1.0))
