"""Checks for 09 linear_function: applying a d_output x d_input matrix to a batch of row vectors."""

import torch as t

from kata.expect import assert_close, assert_left_alone, fail, tensor_state, typechecked

SHAPES = "linear_function is d_output × d_input, input_to_function is batch × d_input; the result is batch × d_output."


def _apply(ex, linear_function, input_to_function, what: str):
    """Call the learner's function, explaining a result of the wrong shape or kind."""
    # A shape error inside the learner's function is left to raise: kata names their line and the
    # shapes that met there. A result of the wrong shape is explained by `_check`. jaxtyping's checker
    # (whose wrappers cost every step ~3 ms) only runs when the call raises, to name a broken annotation.
    states = tensor_state(linear_function), tensor_state(input_to_function)
    try:
        result = ex.apply_linear_function_to_input(linear_function=linear_function,
                                                   input_to_function=input_to_function)
    except NotImplementedError:
        raise
    except Exception:
        typechecked(ex.apply_linear_function_to_input)(linear_function=linear_function,
                                                       input_to_function=input_to_function)
        raise
    if result is None:
        fail("apply_linear_function_to_input returned None: did you forget to `return` the result?")
    assert_left_alone(linear_function, states[0], "linear_function", "apply_linear_function_to_input")
    assert_left_alone(input_to_function, states[1], "input_to_function", "apply_linear_function_to_input")
    if not isinstance(result, t.Tensor):
        fail(f"apply_linear_function_to_input should return a torch tensor, but returned {type(result).__name__}.")
    return result


def _check(result, linear_function, input_to_function, what: str, atol: float = 1e-4) -> None:
    """`result` is input @ linear_function.T, with a precise reason when it is not."""
    expected = input_to_function.detach() @ linear_function.detach().T
    batch, d_output = expected.shape
    shape = tuple(result.shape)
    if shape != (batch, d_output):
        if shape == (d_output, batch):
            fail(f"{what}: the result has shape {shape}, which is (d_output, batch) = ({d_output}, {batch}): it is "
                 f"transposed. The output should be (batch, d_output) = ({batch}, {d_output}): one row per input row.")
        if result.numel() == expected.numel():
            fail(f"{what}: the result has shape {shape}, but it should be (batch, d_output) = ({batch}, {d_output}). "
                 "Keep both dimensions, even when one of them is 1 (no squeeze).")
        fail(f"{what}: the result has shape {shape}, but it should be (batch, d_output) = ({batch}, {d_output}).\n{SHAPES}")
    if batch == d_output and not t.allclose(expected, expected.T, atol=atol) and t.allclose(
        result.detach().float(), expected.T.float(), atol=atol
    ):
        fail(f"{what}: the result is transposed: its rows are the outputs' coordinates instead of the batch. "
             f"The output should be (batch, d_output): row i is the function applied to input row i.")
    if linear_function.shape[0] == linear_function.shape[1]:
        wrong = input_to_function.detach() @ linear_function.detach()
        if t.allclose(result.detach().float(), wrong.float(), atol=atol) and not t.allclose(wrong, expected, atol=atol):
            fail(f"{what}: you applied the transpose of linear_function. Row i of the output is "
                 "linear_function @ input_to_function[i], that is "
                 "out[i, j] = sum over k of linear_function[j, k] * input_to_function[i, k].")
    assert_close(result, expected, atol=atol, what=what)


def _seed_example(ex):
    linear_function = t.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    test_input = t.tensor([[0.5, 0.6], [0.3, 0.4], [-2.0, -9.0], [-8.0, 1.0]])
    return linear_function, test_input


def test_seed_example(exercise):
    """the example 3x2 function on a batch of 4 gives the expected 4x3 output"""
    linear_function, test_input = _seed_example(exercise)
    result = _apply(exercise, linear_function, test_input, "the worked example")
    expected_output = t.tensor([[1.7, 3.9, 6.1], [1.1, 2.5, 3.9], [-20, -42, -64], [-6, -20, -34]])
    if tuple(result.shape) == (3, 4):
        _check(result, linear_function, test_input, "the worked example")
    assert_close(result, expected_output, atol=1e-3, what="the worked example")


def test_output_is_batch_by_d_output(exercise):
    """the result is batch x d_output, float32, for a 3x5 function on a batch of 7"""
    linear_function, inputs = t.randn(3, 5), t.randn(7, 5)
    result = _apply(exercise, linear_function, inputs, "a 3x5 function on a batch of 7")
    _check(result, linear_function, inputs, "a 3x5 function on a batch of 7")
    assert result.dtype == t.float32, f"float32 inputs should give a float32 result, not {result.dtype}"


def test_square_function_is_not_transposed(exercise):
    """a square, non-symmetric function is applied as it is, not transposed"""
    linear_function = t.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [4.0, 0.0, 1.0]])
    inputs = t.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, -1.0, 2.0]])
    result = _apply(exercise, linear_function, inputs, "a 3x3 function")
    _check(result, linear_function, inputs, "a 3x3 function")


def test_batch_of_one(exercise):
    """a batch of a single vector gives a 1 x d_output result"""
    linear_function, inputs = t.randn(2, 4), t.randn(1, 4)
    result = _apply(exercise, linear_function, inputs, "a 2x4 function on a batch of 1")
    _check(result, linear_function, inputs, "a 2x4 function on a batch of 1")


def test_single_output(exercise):
    """a function with one output (1 x d_input) gives a batch x 1 result"""
    linear_function, inputs = t.randn(1, 3), t.randn(6, 3)
    result = _apply(exercise, linear_function, inputs, "a 1x3 function on a batch of 6")
    _check(result, linear_function, inputs, "a 1x3 function on a batch of 6")


def test_gradients_flow_to_the_function(exercise):
    """gradients flow back to linear_function, as in the worked example"""
    example_input = t.rand((1, 2), requires_grad=True)
    batch = t.rand((50, 2))
    result = _apply(exercise, example_input, batch, "the gradient example")
    _check(result, example_input, batch, "the gradient example")
    if not result.requires_grad:
        fail("the result does not require grad, although linear_function does: the computational graph was cut. "
             "Build the result from torch operations on the tensors you were given, "
             "with no .detach(), .numpy(), .item() or torch.tensor(...) on the way.")
    result.sum().backward()
    if example_input.grad is None:
        fail("after backward(), linear_function.grad is still None: the result was not computed from it.")
    assert_close(example_input.grad, batch.sum(dim=0, keepdim=True), what="linear_function.grad")


def test_gradients_flow_to_the_input(exercise):
    """gradients flow back to input_to_function too"""
    linear_function = t.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    inputs = t.randn(4, 2, requires_grad=True)
    result = _apply(exercise, linear_function, inputs, "a 3x2 function")
    _check(result, linear_function, inputs, "a 3x2 function")
    if not result.requires_grad:
        fail("the result does not require grad, although input_to_function does: the computational graph was cut. "
             "Build the result from torch operations on the tensors you were given, "
             "with no .detach(), .numpy(), .item() or torch.tensor(...) on the way.")
    result.sum().backward()
    if inputs.grad is None:
        fail("after backward(), input_to_function.grad is still None: the result was not computed from it.")
    # d(sum of outputs)/d input[i, k] = sum over j of linear_function[j, k] = [9, 12] for every row
    assert_close(inputs.grad, t.tensor([[9.0, 12.0]]).expand(4, 2), what="input_to_function.grad")


def test_arguments_are_not_changed(exercise):
    """linear_function and input_to_function are left unchanged"""
    linear_function, inputs = t.randn(3, 4), t.randn(5, 4)
    before = (linear_function.clone(), inputs.clone())
    _apply(exercise, linear_function, inputs, "a 3x4 function on a batch of 5")
    assert_close(linear_function, before[0], what="linear_function after the call (it must not change)")
    assert_close(inputs, before[1], what="input_to_function after the call (it must not change)")
