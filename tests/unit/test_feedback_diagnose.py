"""Each diagnosis names its mistake on a constructed example, and stays silent when it does not fit."""

import numpy as np
import pytest
import torch

from kata.feedback import diagnose as d
from kata.feedback import updates as u


def test_transposed_matrix_of_another_shape():
    expected = torch.arange(12.0).reshape(4, 3)
    found = d.transposed(expected.T, expected)
    assert found == "it is the expected result transposed: rows and columns are swapped."


def test_transposed_square_matrix():
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert "transposed" in d.transposed(expected.T, expected)
    symmetric = torch.tensor([[1.0, 2.0], [2.0, 1.0]])
    assert d.transposed(symmetric.T, symmetric) is None  # a symmetric matrix cannot tell


def test_permuted_axes():
    expected = torch.randn(2, 3, 4)
    found = d.transposed(expected.permute(2, 0, 1), expected)
    assert "axes" in found and "(2, 0, 1)" in found


def test_softmax_over_the_wrong_dim():
    logits = torch.randn(4, 3)
    found = d.wrong_dim_normalised(torch.softmax(logits, dim=0), torch.softmax(logits, dim=-1))
    assert "each column sums to 1 instead of each row" in found and "dim=0 instead of dim=-1" in found


def test_reduction_over_the_wrong_dim():
    x = torch.randn(5, 3)
    found = d.reduced_over_wrong_dim(x.sum(dim=0), x.sum(dim=1), source=x)
    assert found == "it is the sum over dim=0, but the sum over dim=-1 was expected."
    found = d.reduced_over_wrong_dim(x.mean(dim=1), x.mean(dim=0), source=x)
    assert "mean over dim=1" in found and "dim=0 was expected" in found
    square = torch.randn(3, 3)
    found = d.reduced_over_wrong_dim(square.argmax(dim=0), square.argmax(dim=1), source=square)
    assert found is None or "argmax over dim=0" in found


def test_constant_factor_and_sign():
    expected = torch.tensor([[1.0, -2.0], [0.0, 4.0]])
    assert "every value is 2 × the expected one" in d.constant_factor(2 * expected, expected)
    assert "0.5 × the expected one" in d.constant_factor(expected / 2, expected)
    assert "wrong sign" in d.constant_factor(-expected, expected)
    assert d.constant_factor(expected + 1, expected) is None


def test_missing_bias_is_a_constant_vector_per_row():
    x, w, b = torch.randn(6, 4), torch.randn(3, 4), torch.tensor([0.5, -1.0, 2.0])
    found = d.constant_offset(x @ w.T, x @ w.T + b)
    assert "every row is off by the same vector" in found and "bias" in found
    assert "-0.5" in found and "-2" in found


def test_constant_offset_everywhere():
    expected = torch.randn(3, 2)
    assert "off by the same amount (+5)" in d.constant_offset(expected + 5, expected)


def test_nan_and_where_it_first_appears():
    actual = torch.tensor([[1.0, 2.0], [float("nan"), float("nan")]])
    found = d.nan_or_inf(actual, torch.ones(2, 2))
    assert "NaN: 2 of 4 values, the first at index (1, 0)" in found
    assert "Inf" in d.nan_or_inf(torch.tensor([1.0, float("inf")]))
    assert d.nan_or_inf(torch.ones(3)) is None


def test_input_modified_in_place():
    x = torch.tensor([-1.0, 2.0, -3.0])
    before = x.clone()
    x.clamp_(min=0)
    found = u.input_modified(before, x, "the input x")
    assert "the input x was modified in place: 2 of 3 values changed" in found
    assert "index (0,): -1 became 0" in found
    assert u.input_modified(before, before.clone()) is None


def test_parameter_rebound_instead_of_updated_in_place():
    param = torch.ones(3, requires_grad=True)

    def nudge_rebinding(x):
        x = x - 0.1  # a new tensor, bound to the local name only
        return x

    found = u.parameter_rebound(param, nudge_rebinding(param), "layer_0")
    assert "layer_0 was rebound to a new tensor instead of updated in place" in found
    assert u.parameter_rebound(param, param, "layer_0") is None
    address = param.data_ptr()
    param.data = torch.zeros(3)
    assert "memory was replaced" in u.parameter_rebound(param, param, "layer_0", original_address=address)


def test_gradients_accumulated_from_an_earlier_call():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (10 * x).sum().backward()
    first = x.grad.clone()
    (5 * x).sum().backward()  # no reset: 10 + 5
    found = u.gradient_accumulated(x.grad, torch.tensor([5.0, 5.0]), previous=first)
    assert "accumulated" in found and ".grad = None" in found
    twice = u.gradient_accumulated(torch.tensor([4.0, 8.0]), torch.tensor([2.0, 4.0]))
    assert "backward() ran 2 times" in twice


def test_reversed_order():
    assert "reverse order" in d.reversed_order([1.32, 0.0, 1.09], [1.09, 0.0, 1.32])
    assert d.reversed_order([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) is None


def test_diagnose_picks_the_fitting_mistake_and_never_crashes():
    logits = torch.randn(4, 3)
    assert "dim=0" in d.diagnose(torch.softmax(logits, 0), torch.softmax(logits, -1))
    assert "gradients" in d.diagnose(torch.tensor([2.0, 4.0]), torch.tensor([1.0, 2.0]), gradient=True)
    assert "2 × the expected" in d.diagnose(torch.tensor([2.0, 4.0]), torch.tensor([1.0, 2.0]))
    assert d.diagnose(torch.tensor([1.0, 7.0]), torch.tensor([1.0, 2.0])) is None
    assert d.diagnose("not numbers", [1.0]) is None
    assert d.diagnose(np.zeros((2, 3)), np.ones(5)) is None


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.int64, torch.bool])
def test_other_dtypes_are_read(dtype):
    x = torch.ones(2, 3).to(dtype)
    assert d.as_array(x).shape == (2, 3)
