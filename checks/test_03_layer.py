"""Checks for 03 layer: a forward pass through one layer of neurons."""

import pytest

from kata.expect import ExpectationFailed, assert_floats_close, fail


def _forward(ex, input, layer, expected):
    """forward_pass_single_layer(input, layer) is `expected`, or a message that names the likely mistake."""
    try:
        result = ex.forward_pass_single_layer(input=input, layer=layer)
    except ExpectationFailed:
        raise
    except AssertionError:
        fail("a neuron refused its input (the size check inside compute_output failed): every neuron gets the "
             "whole input list, not one element of it.")
    if result is None:
        fail("forward_pass_single_layer returned None: did you forget to `return` the list of outputs?")
    if not isinstance(result, list):
        fail(f"forward_pass_single_layer should return a list, but returned {_kind(result)}")
    if len(expected) > 1 and len(result) == 1:
        fail(f"the layer has {len(expected)} neurons but only 1 output came back. Is your `return` inside "
             "the loop, or do you zip the neurons with the input (zip stops at the shorter one)? "
             "Every neuron gets the whole input.")
    assert_floats_close(result, expected, eps=1e-4)
    return result


def _kind(result) -> str:
    """What came back instead of a list, and how to make it one."""
    kind = type(result).__name__
    if kind == "generator":
        return "a generator (from a generator expression: put it in square brackets to make a list)."
    if kind in ("map", "filter", "zip", "reversed", "enumerate"):
        return (f"a {kind} object ({kind}(...) is lazy and makes its values only when asked: "
                f"wrap it in list(...), or write a list comprehension in square brackets).")
    if kind in ("tuple", "range") or hasattr(result, "__next__"):
        return f"a {kind} (wrap it in list(...))."
    return f"a {kind}."


def _seed_layer(ex):
    return [
        ex.Neuron(weights=[0.1, 0.2], bias=0.3),
        ex.Neuron(weights=[-0.15, 0.1], bias=-0.1),
        ex.Neuron(weights=[0.2, 0.1], bias=0.1),
    ]


def test_seed_example(exercise):
    """the example three-neuron layer on [5.5, 1.2] gives [1.09, 0.0, 1.32]"""
    result = _forward(exercise, [5.5, 1.2], _seed_layer(exercise), [1.09, 0.0, 1.32])
    assert_floats_close(result, [1.09, 0.0, 1.32], eps=1e-4)


def test_one_output_per_neuron_in_order(exercise):
    """there is one output per neuron, in the neurons' order"""
    layer = [exercise.Neuron(weights=[1.0], bias=float(b)) for b in range(5)]
    _forward(exercise, [10.0], layer, [10.0, 11.0, 12.0, 13.0, 14.0])


def test_every_neuron_sees_the_same_input(exercise):
    """every neuron sees the whole input, not one element each"""
    layer = [exercise.Neuron(weights=[1.0, 1.0, 1.0], bias=0.0) for _ in range(3)]
    _forward(exercise, [1.0, 2.0, 3.0], layer, [6.0, 6.0, 6.0])


def test_empty_layer(exercise):
    """a layer with no neurons gives an empty list"""
    assert exercise.forward_pass_single_layer(input=[1.0, 2.0], layer=[]) == []


def test_mismatched_sizes_are_refused(exercise):
    """a neuron whose weights don't match the input size is refused"""
    fitting = exercise.forward_pass_single_layer(input=[1.0, 1.0], layer=_seed_layer(exercise))
    assert_floats_close(fitting, [0.6, 0.0, 0.4], what="the output for a fitting input [1.0, 1.0]")
    with pytest.raises(AssertionError):
        exercise.forward_pass_single_layer(input=[1.0, 2.0, 3.0], layer=_seed_layer(exercise))
