"""Checks for 14 loss_function: the mean squared error, as a 0-dim tensor gradients flow through."""

import torch

from kata.expect import assert_close, assert_left_alone, fail, tensor_state


def _loss(exercise, expected, actual):
    states = tensor_state(expected), tensor_state(actual)
    result = exercise.loss_function(expected_outputs=expected, actual_outputs=actual)
    if result is None:
        fail("loss_function returned None: did you forget to `return` the result?")
    assert_left_alone(expected, states[0], "expected_outputs", "loss_function")
    assert_left_alone(actual, states[1], "actual_outputs", "loss_function")
    if not isinstance(result, torch.Tensor):
        fail(f"loss_function should return a torch tensor, but it returned a value of type {type(result).__name__} ({result!r:.60}). "
             "Keep it a tensor (no .item() or float()), or .backward() can't be called on it.")
    return result


def _diagnose(expected, actual, result):
    """Names the usual mistake that `result` matches, if any."""
    diff = expected - actual
    mistakes = [
        ((diff ** 2).sum(), "you added up the squared differences; take their mean instead"),
        ((diff ** 2).sum(dim=-1).mean(), "you summed over each row and averaged over the batch; take the mean over every element"),
        ((diff ** 2).mean(dim=-1).sum(), "you averaged each row and summed over the batch; take the mean over every element"),
        (diff.abs().mean(), "you took the mean of the absolute differences; square them instead"),
        (diff.mean(), "you took the mean of the differences without squaring them"),
        (diff.mean() ** 2, "you squared the mean difference; square each difference first, then take the mean"),
        ((diff ** 2).mean().sqrt(), "you took the square root (that is RMSE); the MSE has no square root"),
    ]
    value = result.detach().double()
    for wrong, diagnosis in mistakes:
        if wrong.shape == value.shape and torch.allclose(value, wrong.double(), atol=1e-6, rtol=1e-5):
            return diagnosis
    return None


def _check_value(exercise, expected, actual, what):
    result = _loss(exercise, expected, actual)
    if result.dim() != 0:
        fail(f"{what} should be a single number, a 0-dim tensor, but it has shape {tuple(result.shape)}. "
             "Take the mean over every element, not along one dimension.")
    reference = ((expected - actual) ** 2).mean()
    if not torch.allclose(result.detach().double(), reference.double(), atol=1e-6, rtol=1e-5):
        diagnosis = _diagnose(expected, actual, result)
        if diagnosis:
            fail(f"{what} is {result.item():.6g}, expected {reference.item():.6g}: it looks like {diagnosis}.")
    assert_close(result, reference, atol=1e-6, rtol=1e-5, what=what)


def test_small_example(exercise):
    """[[1, 2], [3, 4]] against [[1, 0], [0, 4]] gives a loss of 3.25"""
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    actual = torch.tensor([[1.0, 0.0], [0.0, 4.0]])
    _check_value(exercise, expected, actual, "loss_function(expected, actual)")


def test_zero_when_equal(exercise):
    """the loss is 0 when the outputs match exactly"""
    x = torch.rand(6, 10)
    result = _loss(exercise, x, x.clone())
    assert_close(result, torch.tensor(0.0), atol=1e-7, what="the loss of identical outputs")


def test_returns_a_0_dim_tensor(exercise):
    """the result is a 0-dim tensor (a scalar), as backward() needs"""
    result = _loss(exercise, torch.rand(5, 10), torch.rand(5, 10))
    if result.dim() != 0:
        fail(f"loss_function should return a 0-dim tensor, but the result has shape {tuple(result.shape)}. "
             "Take the mean over every element, not along one dimension.")
    assert result.dtype == torch.float32, f"the loss has dtype {result.dtype}; float32 inputs should give a float32 loss."


def test_mean_over_every_element(exercise):
    """the mean is over every element: batch and outputs alike (several shapes)"""
    for shape in [(4, 3), (1, 10), (10, 1), (7, 10)]:
        expected = torch.rand(shape)
        actual = torch.rand(shape)
        _check_value(exercise, expected, actual, f"the loss of two {shape} tensors")


def test_order_of_arguments(exercise):
    """swapping expected and actual gives the same loss"""
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    one = _loss(exercise, a, b)
    other = _loss(exercise, b, a)
    assert_close(one, other, atol=1e-6, what="loss_function(b, a), compared with loss_function(a, b)")


def test_one_hot_targets(exercise):
    """probabilities against one-hot targets, as in training"""
    actual = torch.softmax(torch.randn(8, 10), dim=-1)
    expected = torch.nn.functional.one_hot(torch.arange(8) % 10, num_classes=10).float()
    _check_value(exercise, expected, actual, "the loss of 8 predictions against one-hot targets")


def test_gradient_flows(exercise):
    """backward() on the loss gives d loss / d actual = 2 (actual - expected) / N"""
    expected = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    actual = torch.tensor([[0.5, 0.2, 0.3], [0.1, 0.6, 0.3]], requires_grad=True)
    result = _loss(exercise, expected, actual)
    if not result.requires_grad:
        fail("the loss does not require grad even though actual_outputs does, so backward() cannot reach the net. "
             "Compute it with tensor operations (no .item(), .detach() or torch.tensor(...) of Python numbers).")
    result.backward()
    if actual.grad is None:
        fail("loss.backward() gave actual_outputs no gradient: the loss requires grad but is not computed from "
             "actual_outputs, so its graph is cut (torch.tensor(loss.item(), requires_grad=True) or a .detach() "
             "makes a new tensor that forgets where its value came from). Return the result of the tensor "
             "operations themselves.")
    assert_close(actual.grad, 2 * (actual.detach() - expected) / actual.numel(),
                 atol=1e-6, what="actual_outputs.grad after loss.backward()")


def test_inputs_unchanged(exercise):
    """the loss leaves both of its inputs as they were"""
    expected, actual = torch.rand(4, 5), torch.rand(4, 5)
    before = (expected.clone(), actual.clone())
    _loss(exercise, expected, actual)
    if not (torch.equal(expected, before[0]) and torch.equal(actual, before[1])):
        fail("loss_function changed one of its inputs in place; compute the loss without modifying them.")
