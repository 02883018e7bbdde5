"""Checks for 03 layer: a forward pass through one layer of neurons."""

import pytest

from kata.expect import ExpectationFailed, assert_floats_close, fail, learner_side


def call_and_show_arguments(function, *args, **kwargs):
    """Runs next to the learner's code (learner_side): the call's result, and its arguments as they are
    after the call. A list the check passes is copied to the learner's process when graded, so a change the
    learner's code makes to it is seen only there; this brings it back."""
    result = function(*args, **kwargs)
    return result, args, kwargs


def _forward(ex, input, layer, expected):
    """forward_pass_single_layer(input, layer) is `expected`, or a message that names the likely mistake."""
    before = _snapshot(input, layer)
    try:
        result, _, arguments = learner_side(ex, call_and_show_arguments)(ex.forward_pass_single_layer,
                                                                         input=input, layer=layer)
        input, layer = arguments["input"], arguments["layer"]
    except ExpectationFailed:
        raise
    except AssertionError:
        fail("a neuron refused its input (the size check inside compute_output failed): every neuron gets the "
             "whole input list, not one element of it.")
    if result is None:
        fail("forward_pass_single_layer returned None: did you forget to `return` the list of outputs?")
    _left_alone(input, layer, before)
    if not isinstance(result, list):
        fail(f"forward_pass_single_layer should return a list, but returned {_kind(result)}")
    if len(expected) > 1 and len(result) == 1:
        fail(f"the layer has {len(expected)} neurons but only 1 output came back. Is your `return` inside "
             "the loop, or do you zip the neurons with the input (zip stops at the shorter one)? "
             "Every neuron gets the whole input.")
    assert_floats_close(result, expected, eps=1e-4)
    return result


def _snapshot(input, layer):
    """What the caller's arguments hold: the input's values, the layer's neurons, their weights and biases."""
    return list(input), list(layer), [(n.weights, list(n.weights), n.bias) for n in layer]


def _left_alone(input, layer, before) -> None:
    """The caller's input list, layer list and neurons are as they were before the call."""
    input_before, neurons, weights = before
    how = ("A forward pass only reads its arguments: no .pop(), .sort(), .reverse(), .append(), `del` or item "
           "assignment on them (loop over them, or work on a copy).")
    if input != input_before:
        fail(f"forward_pass_single_layer changed the input list it was given: it was {input_before!r:.80} before "
             f"the call and is {input!r:.80} after it. The caller still needs it. {how}")
    if len(layer) != len(neurons) or any(a is not b for a, b in zip(layer, neurons)):
        fail(f"forward_pass_single_layer changed the layer list it was given: it held {len(neurons)} neurons "
             f"before the call and holds {len(layer)} after it{'' if len(layer) != len(neurons) else ', in another order'}. "
             f"The same layer is used again for the next input. {how}")
    for i, (neuron, (same, values, bias)) in enumerate(zip(layer, weights)):
        if neuron.weights != values or neuron.bias != bias:
            fail(f"forward_pass_single_layer changed neuron {i} of the layer: its weights were {values!r:.60} and "
                 f"its bias {bias!r}, now {neuron.weights!r:.60} and {neuron.bias!r}. {how}")


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


def test_arguments_left_alone(exercise):
    """the caller's input list and layer (its neurons, their weights) are left as they were"""
    layer = [exercise.Neuron(weights=[0.5, -1.0, 2.0], bias=0.5), exercise.Neuron(weights=[1.0, 1.0, -1.0], bias=0.0),
             exercise.Neuron(weights=[-2.0, 0.0, 1.0], bias=1.0)]
    _forward(exercise, [3.0, 1.0, 2.0], layer, [5.0, 2.0, 0.0])
    _forward(exercise, [3.0, 1.0, 2.0], layer, [5.0, 2.0, 0.0])  # the same layer again, as the next input would


def test_empty_layer(exercise):
    """a layer with no neurons gives an empty list"""
    assert exercise.forward_pass_single_layer(input=[1.0, 2.0], layer=[]) == []


def test_mismatched_sizes_are_refused(exercise):
    """a neuron whose weights don't match the input size is refused"""
    fitting = exercise.forward_pass_single_layer(input=[1.0, 1.0], layer=_seed_layer(exercise))
    assert_floats_close(fitting, [0.6, 0.0, 0.4], what="the output for a fitting input [1.0, 1.0]")
    with pytest.raises(AssertionError):
        exercise.forward_pass_single_layer(input=[1.0, 2.0, 3.0], layer=_seed_layer(exercise))
