"""Checks for 03 layer: a forward pass through one layer of neurons."""

import pytest

from kata.expect import assert_floats_close


def _seed_layer(ex):
    return [
        ex.Neuron(weights=[0.1, 0.2], bias=0.3),
        ex.Neuron(weights=[-0.15, 0.1], bias=-0.1),
        ex.Neuron(weights=[0.2, 0.1], bias=0.1),
    ]


def test_seed_example(exercise):
    """the seed's three-neuron layer on [5.5, 1.2] gives [1.09, 0.0, 1.32]"""
    result = exercise.forward_pass_single_layer(input=[5.5, 1.2], layer=_seed_layer(exercise))
    assert_floats_close(result, [1.09, 0.0, 1.32], eps=1e-4)


def test_one_output_per_neuron_in_order(exercise):
    """there is one output per neuron, in the neurons' order"""
    layer = [exercise.Neuron(weights=[1.0], bias=float(b)) for b in range(5)]
    result = exercise.forward_pass_single_layer(input=[10.0], layer=layer)
    assert isinstance(result, list), f"expected a list, got {type(result).__name__}"
    assert_floats_close(result, [10.0, 11.0, 12.0, 13.0, 14.0])


def test_every_neuron_sees_the_same_input(exercise):
    """every neuron sees the whole input, not one element each"""
    layer = [exercise.Neuron(weights=[1.0, 1.0, 1.0], bias=0.0) for _ in range(3)]
    result = exercise.forward_pass_single_layer(input=[1.0, 2.0, 3.0], layer=layer)
    assert_floats_close(result, [6.0, 6.0, 6.0])


def test_empty_layer(exercise):
    """a layer with no neurons gives an empty list"""
    assert exercise.forward_pass_single_layer(input=[1.0, 2.0], layer=[]) == []


def test_mismatched_sizes_are_refused(exercise):
    """a neuron whose weights don't match the input size is refused"""
    with pytest.raises(AssertionError):
        exercise.forward_pass_single_layer(input=[1.0, 2.0, 3.0], layer=_seed_layer(exercise))
