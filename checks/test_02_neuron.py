"""Checks for 02 neuron: the weighted sum of inputs, plus a bias, through ReLU."""

import pytest


def test_seed_example(exercise):
    """weights [1, 2], bias 0.5 on inputs [2, 3] gives 8.5"""
    neuron = exercise.Neuron(weights=[1, 2], bias=0.5)
    assert neuron.compute_output([2, 3]) == 8.5


def test_negative_sum_is_clamped_to_zero(exercise):
    """a negative weighted sum comes out as 0 (the ReLU at the end)"""
    neuron = exercise.Neuron(weights=[1, 2], bias=0.5)
    assert neuron.compute_output([2, -2]) == 0


def test_bias_is_added_once(exercise):
    """the bias is added once, not once per input"""
    neuron = exercise.Neuron(weights=[0.0, 0.0, 0.0], bias=1.5)
    assert neuron.compute_output([1.0, 2.0, 3.0]) == pytest.approx(1.5)


def test_bias_is_added_before_relu(exercise):
    """the bias is added before ReLU, so it can rescue a negative sum"""
    neuron = exercise.Neuron(weights=[1.0], bias=3.0)
    assert neuron.compute_output([-2.0]) == pytest.approx(1.0), "expected relu(-2.0 + 3.0) = 1.0"
    neuron = exercise.Neuron(weights=[1.0], bias=-3.0)
    assert neuron.compute_output([2.0]) == pytest.approx(0.0), "expected relu(2.0 - 3.0) = 0.0"


def test_each_input_uses_its_own_weight(exercise):
    """each input is multiplied by its own weight"""
    neuron = exercise.Neuron(weights=[0.5, -1.0, 2.0], bias=0.25)
    assert neuron.compute_output([4.0, 1.0, 3.0]) == pytest.approx(0.5 * 4 - 1.0 + 2.0 * 3 + 0.25)


def test_single_input(exercise):
    """a neuron with one input works too"""
    assert exercise.Neuron(weights=[3.0], bias=0.0).compute_output([2.0]) == pytest.approx(6.0)
