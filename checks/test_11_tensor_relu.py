"""Checks for 11 tensor_relu: ReLU on tensors of any shape, without touching the input."""

import torch

from kata.expect import assert_close, assert_left_alone, fail, tensor_state


def _relu(exercise, x):
    state = tensor_state(x)
    result = exercise.tensor_relu(x)
    if result is None:
        fail("tensor_relu returned None: did you forget to `return` the result?")
    assert_left_alone(x, state, "its input tensor", "tensor_relu")
    if not isinstance(result, torch.Tensor):
        fail(f"tensor_relu should return a torch tensor, but it returned a value of type {type(result).__name__}.")
    if result.dtype == torch.bool and x.dtype != torch.bool:
        fail("tensor_relu returned a tensor of booleans: a comparison like x > 0 says where x is positive, not what "
             "the values are. Keep the values where x > 0 and put 0 elsewhere.")
    return result


def test_seed_example(exercise):
    """the 2x3 example: negatives become 0, the rest stay"""
    test_input = torch.tensor([
        [1.0, 2.0, -3.0],
        [4.0, -5.0, 6.0],
    ])
    expected = torch.tensor([
        [1.0, 2.0, 0.0],
        [4.0, 0.0, 6.0],
    ])
    assert_close(_relu(exercise, test_input), expected, atol=1e-3, rtol=0)


def test_any_shape(exercise):
    """works on a 0-dim tensor, a vector and a 3-d tensor, keeping the shape"""
    scalar = _relu(exercise, torch.tensor(-2.5))
    assert_close(scalar, torch.tensor(0.0), what="tensor_relu(tensor(-2.5))")
    assert_close(_relu(exercise, torch.tensor(3.0)), torch.tensor(3.0), what="tensor_relu(tensor(3.0))")
    vector = torch.tensor([-1.0, 0.0, 0.5, -1e-6, 7.0])
    assert_close(_relu(exercise, vector), torch.tensor([0.0, 0.0, 0.5, 0.0, 7.0]), what="tensor_relu(vector)")
    cube = torch.randn(2, 3, 4)
    assert_close(_relu(exercise, cube), cube.clamp(min=0), what="tensor_relu of a (2, 3, 4) tensor")


def test_zero_and_positives_unchanged(exercise):
    """0 stays 0 and positive values pass through exactly"""
    x = torch.tensor([0.0, 1e-8, 1.0, 123456.0])
    result = _relu(exercise, x)
    assert_close(result, x, atol=0, rtol=0)


def test_keeps_dtype(exercise):
    """the result has the input's dtype, float32 or float64"""
    for dtype in (torch.float32, torch.float64):
        x = torch.tensor([-1.0, 2.0], dtype=dtype)
        result = _relu(exercise, x)
        if result.dtype != dtype:
            why = " (a comparison like x > 0 alone gives booleans, not the values)" if result.dtype == torch.bool else ""
            fail(f"tensor_relu of a {dtype} tensor returned a {result.dtype} tensor; keep the input's dtype{why}.")


def test_input_not_modified(exercise):
    """the input tensor is left as it was: ReLU returns a new tensor, also when nothing is negative"""
    for x in (torch.tensor([[-1.0, 2.0], [3.0, -4.0]]), torch.tensor([[0.0, 2.0], [3.0, 4.0]]), torch.zeros(3)):
        before = x.clone()
        result = _relu(exercise, x)
        if not torch.equal(x, before):
            fail("tensor_relu changed its input tensor in place: the input was "
                 f"{before.tolist()} and is now {x.tolist()}. Return a new tensor instead "
                 "(avoid in-place methods ending in `_` and assignments like x[x < 0] = 0).")
        if result is x or result.data_ptr() == x.data_ptr():
            fail(f"tensor_relu({before.tolist()}) returned its input tensor itself, so changing one changes the "
                 "other; it should return a new tensor, also when no value is negative.")


# Values at the edges of float32: ReLU only picks between x and 0, so it never overflows, and torch's own
# relu gives x back exactly. Formulas that compute instead of pick go wrong here: (x + |x|) / 2 overflows
# to inf near the limit, x * (x > 0) turns -inf into NaN (-inf * 0).
EXTREMES = torch.tensor([3.0e38, -3.0e38, float("inf"), float("-inf"), 1e-45, -1e-45, 1e30, -1e30])
EXTREMES_RELU = torch.relu(EXTREMES)


def test_extreme_values(exercise):
    """huge values, infinities and the tiniest floats: ReLU keeps positives exactly and gives 0 for the rest"""
    result = _relu(exercise, EXTREMES.clone())
    if result.shape == EXTREMES.shape and not torch.equal(result, EXTREMES_RELU):
        wrong = (result != EXTREMES_RELU).nonzero().flatten().tolist()
        shown = ", ".join(f"relu({EXTREMES[i].item():.3g}) gave {result[i].item():.3g}" for i in wrong[:3])
        fail(f"tensor_relu is wrong at extreme values: {shown} (torch.relu gives "
             f"{', '.join(f'{EXTREMES_RELU[i].item():.3g}' for i in wrong[:3])}). "
             "A formula that computes with x overflows or makes NaN there: (x + |x|) / 2 overflows to inf near "
             "the float32 limit, and x * (x > 0) makes -inf * 0 = NaN. Choose between x and 0 instead: "
             "torch.maximum(x, torch.zeros_like(x)), x.clamp(min=0) or torch.where(x > 0, x, 0.0).")
    assert_close(result, EXTREMES_RELU, atol=0, rtol=0, what="tensor_relu of extreme values")


def test_large_batch(exercise):
    """a batch of 1000 random rows matches ReLU element by element"""
    x = torch.randn(1000, 50)
    assert_close(_relu(exercise, x), torch.where(x > 0, x, torch.zeros_like(x)), what="tensor_relu of a (1000, 50) tensor")


def test_gradient_flows(exercise):
    """gradients flow back through: 1 where the input is positive, 0 where it is negative"""
    x = torch.tensor([-2.0, -0.5, 0.5, 3.0], requires_grad=True)
    try:
        result = _relu(exercise, x)
    except RuntimeError as exc:
        if "in-place" not in str(exc):
            raise
        fail(f"tensor_relu changes its input in place, which PyTorch refuses for a tensor that requires grad:\n  {exc}\n"
             "Return a new tensor instead of modifying the input.")
    if not result.requires_grad:
        fail("the output of tensor_relu does not require grad even though its input does, so no gradient can "
             "flow back through it. Build the result with tensor operations (no .item(), .tolist() or "
             "torch.tensor(...) of Python numbers, no .detach()).")
    result.sum().backward()
    assert_close(x.grad, torch.tensor([0.0, 0.0, 1.0, 1.0]), what="the gradient of tensor_relu(x).sum() with respect to x")
