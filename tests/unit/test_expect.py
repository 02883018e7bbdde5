"""kata.expect's messages: short, specific, and never a dump of thousands of elements."""

import numpy as np
import pytest
import torch
from jaxtyping import Float

from kata.expect import (ExpectationFailed, assert_close, assert_dtype, assert_floats_close, assert_grad_fresh,
                         assert_leaf_requiring_grad, assert_shape, assert_unchanged, assert_updated_in_place,
                         typechecked)


def message(call, *args, **kwargs) -> str:
    with pytest.raises(ExpectationFailed) as info:
        call(*args, **kwargs)
    return str(info.value)


def test_passes_within_tolerance_for_every_kind_of_value():
    assert_close(torch.ones(3) + 1e-6, torch.ones(3))
    assert_close(np.ones(3), np.ones(3))
    assert_close([1.0, 2.0], [1.0, 2.0])
    assert_close(2.0, 2.0)
    assert_close(torch.tensor(2.0), 2.0)
    assert_floats_close([1.0, 2.0], [1.0, 2.00001])


def test_wrong_shape_names_both_shapes_and_dtypes():
    text = message(assert_close, torch.ones(3, 2), torch.ones(2, 3), what="out")
    assert text.splitlines()[0] == "out has the wrong shape: expected (2, 3) float32, got (3, 2) float32."
    text = message(assert_close, torch.ones(6), torch.ones(2, 3))
    assert "right number of elements in the wrong arrangement" in text


def test_transposed_result_is_named():
    expected = torch.arange(12.0).reshape(4, 3)
    text = message(assert_close, expected.T, expected)
    assert "transposed" in text and len(text.splitlines()) == 2


def test_wrong_values_give_count_largest_difference_and_where():
    expected = torch.zeros(100, 100)
    actual = expected.clone()
    actual[3, 7], actual[50, 51] = 0.5, -2.0
    text = message(assert_close, actual, expected, what="big")
    assert "big has the right shape (100, 100) but wrong values: 2 of 10000 differ." in text
    assert "largest difference 2 at index (50, 51)" in text and "expected 0, got -2" in text
    assert len(text.splitlines()) <= 4 and len(text) < 400  # never a dump of 10 000 elements


def test_small_values_are_shown_side_by_side():
    text = message(assert_close, torch.tensor([[1.0, 2.0], [3.0, 5.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert "  expected: [[1, 2], [3, 4]]" in text and "  actual:   [[1, 2], [3, 5]]" in text
    assert "relative 0.25" in text


def test_diagnosis_joins_the_message():
    logits = torch.randn(5, 3)
    text = message(assert_close, torch.softmax(logits, 0), torch.softmax(logits, -1), what="forward's output")
    assert "dim=0 instead of dim=-1" in text
    x = torch.randn(3, 3)
    assert "sum over dim=0, but the sum over dim=-1" in message(assert_close, x.sum(0), x.sum(1), source=x)
    assert "accumulated" in message(assert_close, torch.tensor([4.0, 2.0]), torch.tensor([2.0, 1.0]), gradient=True)


def test_nan_is_reported_with_its_place():
    text = message(assert_close, torch.tensor([1.0, float("nan"), 3.0]), torch.ones(3))
    assert "NaN" in text and "index (1,)" in text


def test_dtype_and_grad_when_asked():
    assert "dtype float64; it should be float32" in message(
        assert_close, torch.ones(2, dtype=torch.float64), torch.ones(2), check_dtype=True)
    expected = torch.ones(2, requires_grad=True) * 2
    assert "does not require grad" in message(assert_close, torch.full((2,), 2.0), expected, check_grad=True)
    assert_close(torch.full((2,), 2.0), expected)  # without check_grad the values are all that count
    assert "dtype is int64" in message(assert_close, torch.tensor([1, 2]), torch.tensor([1.0, 3.0]))


def test_type_and_none_mistakes():
    assert "forget to `return`" in message(assert_close, None, torch.ones(2))
    assert "should be a torch tensor, but it is a NumPy array" in message(assert_close, np.ones(2), torch.ones(2))
    assert "should be numbers" in message(assert_close, "abc", [1.0])


def test_scalar_mismatch_is_one_line():
    assert message(assert_close, 3.0, 4.0, what="the loss") == "the loss is 3, expected 4."


def test_floats_close_explains():
    text = message(assert_floats_close, [1.32, 0.0, 1.09], [1.09, 0.0, 1.32])
    assert "reverse order" in text
    assert "should have 3 elements, but it has 1" in message(assert_floats_close, [1.0], [1.0, 2.0, 3.0])
    assert "forget to `return`" in message(assert_floats_close, None, [1.0])


def test_shape_dtype_and_leaf_helpers():
    assert "transposed" in message(assert_shape, np.ones((2, 1000)), (1000, 2))
    assert "should be a tensor of shape (2,)" in message(assert_shape, [1, 2], (2,))
    assert "should have dtype float32, but it has int64" in message(assert_dtype, torch.tensor([1]), torch.float32)
    assert "does not require grad" in message(assert_leaf_requiring_grad, torch.ones(2))
    assert "not a leaf" in message(assert_leaf_requiring_grad, torch.ones(2, requires_grad=True) * 2)


def test_input_modified_in_place():
    x = torch.tensor([-1.0, 2.0])
    before = x.clone()
    x[x < 0] = 0
    text = message(assert_unchanged, before, x, "the input x")
    assert text.startswith("the input x was modified in place")
    assert_unchanged(before, before.clone())


def test_rebinding_instead_of_updating_in_place():
    param = torch.ones(2)
    text = message(assert_updated_in_place, param, param - 1, "layer_0")
    assert text.startswith("layer_0 was rebound to a new tensor instead of updated in place")
    assert_updated_in_place(param, param, "layer_0", address=param.data_ptr())


def test_fresh_gradient():
    assert "earlier one's" in message(assert_grad_fresh, torch.tensor([15.0]), torch.tensor([5.0]),
                                      previous=torch.tensor([10.0]))
    assert_grad_fresh(torch.tensor([5.0]), torch.tensor([5.0]))


def apply(linear_function: Float[torch.Tensor, "d_output d_input"],
          input_to_function: Float[torch.Tensor, "batch d_input"]) -> Float[torch.Tensor, "batch d_output"]:
    return input_to_function @ linear_function.T


def transposed_apply(linear_function: Float[torch.Tensor, "d_output d_input"],
                     input_to_function: Float[torch.Tensor, "batch d_input"]) -> Float[torch.Tensor, "batch d_output"]:
    return linear_function @ input_to_function.T


def test_jaxtyping_annotations_become_one_sentence():
    checked = typechecked(apply)
    assert tuple(checked(torch.ones(3, 784), torch.ones(4, 784)).shape) == (4, 3)
    text = message(checked, torch.ones(3, 784), torch.ones(4, 783))
    assert text == "`input_to_function` should be batch × d_input, got 4 × 783 (d_input is 784 here)."
    text = message(typechecked(transposed_apply), torch.ones(3, 5), torch.ones(4, 5))
    assert text == ("The result of `transposed_apply` should be batch × d_output, got 3 × 4: it is transposed "
                    "(batch × d_output is 4 × 3 here).")
    text = message(checked, torch.ones(3, 5, dtype=torch.int64), torch.ones(4, 5))
    assert text.startswith("`linear_function` should be a float tensor, got int64")


def test_what_a_value_is_reads_as_english():
    from kata.feedback.expectation import describe
    from kata.feedback.operands import _describe_value

    assert describe(3) == "an int" and describe(2.5) == "a float" and describe(None) == "None"
    assert describe([1, 2]) == "a list of length 2"
    assert _describe_value(np.zeros(6), False) == "a NumPy vector of 6 (float64)"
    assert _describe_value(np.zeros((2, 3)), False) == "a NumPy array 2 × 3 (float64)"
    assert _describe_value(torch.zeros(()), False) == "a 0-dim tensor (float32)"


def test_a_printed_loss_is_recognised_rounded_to_the_digits_shown():
    """`f"{loss:.2f}"` of 0.1630 is right, though 0.16 is 1.9% off; one significant digit says too little."""
    from kata.expect import mentions

    assert mentions("Final loss was 0.16", 0.1630) and mentions("loss: 0.1630", 0.1630)
    assert mentions("Final loss was 1.2", 1.2345) and mentions("loss 0.163 (was 0.2)", 0.2, 0.9)
    assert not mentions("Final loss was 0.17", 0.1630)  # 0.1630 rounds to 0.16
    assert not mentions("Final loss was 0.2", 0.1630) and not mentions("loss 0", 0.1630)  # one digit, or none
    assert not mentions("epoch 3 of 5", 0.1630)
