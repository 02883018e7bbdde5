import numpy
import torch

from kata.expect import assert_close


def test_scales_with_expect(exercise):
    """doubles a tensor (kata.expect)"""
    x = torch.tensor([1.0, -2.0, 3.5])
    assert_close(exercise.scale(x, 2.0), torch.tensor([2.0, -4.0, 7.0]))


def test_scales_with_allclose(exercise):
    """triples a tensor (torch.allclose and torch.equal)"""
    x = torch.arange(6.0).reshape(2, 3)
    expected = x.clone() * 3.0  # before the call: the learner's code may change x itself
    out = exercise.scale(x, 3.0)
    assert type(out) is torch.Tensor
    assert torch.allclose(out, expected)
    assert torch.equal(out, expected)
    assert torch.equal(x, torch.arange(6.0).reshape(2, 3)), "scale changed its input x"


def test_scales_with_numpy(exercise):
    """halves a tensor (numpy.isclose)"""
    x = torch.tensor([4.0, 8.0])
    out = exercise.scale(x, 0.5)
    assert numpy.isclose(out.numpy(), [2.0, 4.0]).all()


def test_gradient_flows(exercise):
    """the gradient of sum(scale(x, 5)) is 5 everywhere"""
    x = torch.ones(3, requires_grad=True)
    out = exercise.scale(x, 5.0)
    assert x.grad is None, "scale set x.grad itself; only backward() should"
    out.sum().backward()
    torch.testing.assert_close(x.grad, torch.full((3,), 5.0))
