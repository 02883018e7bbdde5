"""Checks for 02 neuron: the weighted sum of inputs, plus a bias, through ReLU."""

import traceback

import pytest

from kata.expect import fail, learner_side


def call_and_show_arguments(function, *args, **kwargs):
    """Runs next to the learner's code (learner_side): the call's result, and its arguments as they are
    after the call. A list the check passes is copied to the learner's process when graded, so a change the
    learner's code makes to it is seen only there; this brings it back."""
    result = function(*args, **kwargs)
    return result, args, kwargs


def _relu(v: float) -> float:
    return max(v, 0.0)


def _output(ex, neuron, inputs, what: str) -> float:
    """neuron.compute_output(inputs), checked against the right value and the usual wrong ones, and for
    leaving the caller's list and the neuron as they were."""
    inputs_before, weights, weights_before, bias = list(inputs), neuron.weights, list(neuron.weights), neuron.bias
    got, (inputs,), _ = learner_side(ex, call_and_show_arguments)(neuron.compute_output, inputs)
    weighted = sum(w * x for w, x in zip(weights_before, inputs_before))
    want = _relu(weighted + bias)
    if got is None:
        fail(f"{what}: compute_output returned None. Did you forget to `return` the result?")
    _left_alone(neuron, inputs, inputs_before, weights, weights_before, bias, what)
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


def _left_alone(neuron, inputs, inputs_before, weights, weights_before, bias, what: str) -> None:
    """The caller's input list and the neuron's weights and bias are as they were before the call."""
    how = ("Read them without changing them: no .pop(), .sort(), .reverse(), .append(), `del` or item "
           "assignment on them (work on a copy, or just loop over them).")
    if inputs != inputs_before:
        fail(f"{what} changed the list it was given: inputs was {inputs_before!r:.80} before the call and is "
             f"{inputs!r:.80} after it. The caller still needs its list. {how}")
    if neuron.weights != weights_before or neuron.bias != bias:
        fail(f"{what} changed the neuron itself: its weights were {weights_before!r:.80} and its bias {bias!r}, "
             f"now they are {neuron.weights!r:.80} and {neuron.bias!r}. Computing an output only reads them. {how}")


def test_seed_example(exercise):
    """weights [1, 2], bias 0.5 on inputs [2, 3] gives 8.5"""
    neuron = exercise.Neuron(weights=[1, 2], bias=0.5)
    _output(exercise, neuron, [2, 3], "Neuron(weights=[1, 2], bias=0.5).compute_output([2, 3])")
    assert neuron.compute_output([2, 3]) == 8.5


def test_negative_sum_is_clamped_to_zero(exercise):
    """a negative weighted sum comes out as 0 (the ReLU at the end)"""
    neuron = exercise.Neuron(weights=[1, 2], bias=0.5)
    _output(exercise, neuron, [2, -2], "Neuron(weights=[1, 2], bias=0.5).compute_output([2, -2])")
    assert neuron.compute_output([2, -2]) == 0


def test_bias_is_added_once(exercise):
    """the bias is added once, not once per input"""
    neuron = exercise.Neuron(weights=[0.0, 0.0, 0.0], bias=1.5)
    _output(exercise, neuron, [1.0, 2.0, 3.0], "Neuron(weights=[0.0, 0.0, 0.0], bias=1.5).compute_output([1.0, 2.0, 3.0])")


def test_bias_is_added_before_relu(exercise):
    """the bias is added before ReLU, so it can rescue a negative sum"""
    _output(exercise, exercise.Neuron(weights=[1.0], bias=3.0), [-2.0], "relu(-2.0 + 3.0)")
    _output(exercise, exercise.Neuron(weights=[1.0], bias=-3.0), [2.0], "relu(2.0 - 3.0)")


def test_each_input_uses_its_own_weight(exercise):
    """each input is multiplied by its own weight"""
    neuron = exercise.Neuron(weights=[0.5, -1.0, 2.0], bias=0.25)
    _output(exercise, neuron, [4.0, 1.0, 3.0], "Neuron(weights=[0.5, -1.0, 2.0], bias=0.25).compute_output([4.0, 1.0, 3.0])")


def test_single_input(exercise):
    """a neuron with one input works too"""
    _output(exercise, exercise.Neuron(weights=[3.0], bias=0.0), [2.0], "Neuron(weights=[3.0], bias=0.0).compute_output([2.0])")


def test_inputs_and_weights_left_alone(exercise):
    """the caller's input list and the neuron's weights are left as they were, also when unsorted"""
    neuron = exercise.Neuron(weights=[2.0, -1.0, 0.5, 3.0], bias=-0.5)
    _output(exercise, neuron, [3.0, 1.0, 4.0, 1.5], "Neuron(weights=[2.0, -1.0, 0.5, 3.0], bias=-0.5).compute_output([3.0, 1.0, 4.0, 1.5])")
    _output(exercise, neuron, [-1.0, 5.0, 0.0, 2.0], "the same neuron's compute_output([-1.0, 5.0, 0.0, 2.0]), called again")


def _refusal_is_told(exc: BaseException, path: str) -> bool:
    """The refusal says what is wrong: a message, or a bare `assert` whose line in the learner's file says it
    (when the learner's frames are not there to read, as when graded, the refusal is taken as told)."""
    if str(exc).strip():
        return True
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == path]
    return not frames or (frames[-1].line or "").lstrip().startswith("assert ")


def test_mismatched_inputs_are_refused(exercise):
    """an input list that doesn't fit the weights is refused (the given size check), not silently cut short"""
    neuron = exercise.Neuron(weights=[1.0, 2.0], bias=0.5)
    _output(exercise, neuron, [1.0, 2.0], "Neuron(weights=[1.0, 2.0], bias=0.5).compute_output([1.0, 2.0]), which fits")
    for inputs in ([1.0, 2.0, 3.0], [4.0]):
        try:
            got = neuron.compute_output(inputs)
        except (AssertionError, ValueError) as exc:
            if not _refusal_is_told(exc, str(getattr(exercise, "__file__", ""))):
                fail(f"compute_output({inputs}) on a neuron with 2 weights raised {type(exc).__name__} with no "
                     "message: say what did not fit, e.g. the number of inputs and of weights.")
            continue
        except (IndexError, TypeError) as exc:
            fail(f"compute_output({inputs}) on a neuron with 2 weights failed with {type(exc).__name__}: {exc} "
                 "instead of refusing the input with the given size check. Keep the stub's "
                 "`assert len(inputs) == len(self.weights)` as the first line of compute_output.")
        fail(f"compute_output({inputs}) on a neuron with 2 weights returned {got!r:.40} instead of refusing the "
             f"{len(inputs)} input(s): zip stops at the shorter list, so inputs without a weight are silently "
             "ignored (or weights without an input). Keep the stub's `assert len(inputs) == len(self.weights)` "
             "as the first line of compute_output.")
