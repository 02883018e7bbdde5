"""Checks for 02 neuron: the weighted sum of inputs, plus a bias, through ReLU."""

import pytest

from kata.expect import fail


def _relu(v: float) -> float:
    return max(v, 0.0)


def _output(neuron, inputs, what: str) -> float:
    """neuron.compute_output(inputs), checked against the right value and the usual wrong ones."""
    got = neuron.compute_output(inputs)
    weighted = sum(w * x for w, x in zip(neuron.weights, inputs))
    want = _relu(weighted + neuron.bias)
    if got is None:
        fail(f"{what}: compute_output returned None. Did you forget to `return` the result?")
    if got == pytest.approx(want):
        return got
    wrong = [
        (_relu(weighted + neuron.bias * len(inputs)), "the bias was added once per input: add it once, after the loop"),
        (_relu(weighted) + neuron.bias, "ReLU was applied before adding the bias: add the bias first, then apply relu"),
        (_relu(weighted), "the bias was never added"),
        (weighted + neuron.bias, "ReLU was never applied: a negative sum should come out as 0"),
        (_relu(sum(inputs) + neuron.bias), "the inputs were added up without their weights"),
        (_relu(sum(neuron.weights) + neuron.bias), "the weights were added up without the inputs"),
    ]
    for value, why in wrong:
        if got == pytest.approx(value):
            fail(f"{what} should be {want:g}, but it is {got!r}: {why}.")
    fail(f"{what} should be relu(weighted sum + bias) = {want:g}, but it is {got!r}.")


def test_seed_example(exercise):
    """weights [1, 2], bias 0.5 on inputs [2, 3] gives 8.5"""
    neuron = exercise.Neuron(weights=[1, 2], bias=0.5)
    _output(neuron, [2, 3], "Neuron(weights=[1, 2], bias=0.5).compute_output([2, 3])")
    assert neuron.compute_output([2, 3]) == 8.5


def test_negative_sum_is_clamped_to_zero(exercise):
    """a negative weighted sum comes out as 0 (the ReLU at the end)"""
    neuron = exercise.Neuron(weights=[1, 2], bias=0.5)
    _output(neuron, [2, -2], "Neuron(weights=[1, 2], bias=0.5).compute_output([2, -2])")
    assert neuron.compute_output([2, -2]) == 0


def test_bias_is_added_once(exercise):
    """the bias is added once, not once per input"""
    neuron = exercise.Neuron(weights=[0.0, 0.0, 0.0], bias=1.5)
    _output(neuron, [1.0, 2.0, 3.0], "Neuron(weights=[0.0, 0.0, 0.0], bias=1.5).compute_output([1.0, 2.0, 3.0])")


def test_bias_is_added_before_relu(exercise):
    """the bias is added before ReLU, so it can rescue a negative sum"""
    _output(exercise.Neuron(weights=[1.0], bias=3.0), [-2.0], "relu(-2.0 + 3.0)")
    _output(exercise.Neuron(weights=[1.0], bias=-3.0), [2.0], "relu(2.0 - 3.0)")


def test_each_input_uses_its_own_weight(exercise):
    """each input is multiplied by its own weight"""
    neuron = exercise.Neuron(weights=[0.5, -1.0, 2.0], bias=0.25)
    _output(neuron, [4.0, 1.0, 3.0], "Neuron(weights=[0.5, -1.0, 2.0], bias=0.25).compute_output([4.0, 1.0, 3.0])")


def test_single_input(exercise):
    """a neuron with one input works too"""
    _output(exercise.Neuron(weights=[3.0], bias=0.0), [2.0], "Neuron(weights=[3.0], bias=0.0).compute_output([2.0])")
