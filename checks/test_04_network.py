"""Checks for 04 network: a forward pass through several layers, one after another."""

from kata.expect import ExpectationFailed, assert_floats_close, fail, learner_side


def call_and_show_arguments(function, *args, **kwargs):
    """Runs next to the learner's code (learner_side): the call's result, and its arguments as they are
    after the call. A list the check passes is copied to the learner's process when graded, so a change the
    learner's code makes to it is seen only there; this brings it back."""
    result = function(*args, **kwargs)
    return result, args, kwargs


def _run(ex, inputs, layers):
    """Call the learner's forward_pass_network; explain a size mismatch instead of a bare assert, and
    a change to the caller's input list or layers."""
    given, layers_before = list(inputs), _snapshot(layers)
    try:
        result, (given, layers), _ = learner_side(ex, call_and_show_arguments)(ex.forward_pass_network, given, layers)
        _left_alone(given, list(inputs), layers, layers_before)
        return result
    except ExpectationFailed:
        raise
    except AssertionError as exc:
        fail("a layer was given an input of the wrong size, so its neurons refused it "
             f"({type(exc).__name__} inside the layer).\n"
             "Only the first layer gets `initial_inputs`; every later layer gets the previous layer's output, "
             "from the first layer to the last.")


def _snapshot(layers):
    """The layers list as the caller made it: each layer list, its neurons, their weights and biases."""
    return [(layer, list(layer), [(n.weights, list(n.weights), n.bias) for n in layer]) for layer in layers]


def _left_alone(given, inputs_before, layers, layers_before) -> None:
    """The input list and the layers (lists, neurons, weights) are as they were before the call."""
    how = ("A forward pass only reads its arguments: no .pop(), .sort(), .reverse(), .append(), `del`, `+=` or "
           "item assignment on them; keep each layer's output in a variable of your own "
           "(`out = forward_pass_single_layer(out, layer)`).")
    if given != inputs_before:
        fail(f"forward_pass_network changed the list of initial inputs it was given: it was {inputs_before!r:.80} "
             f"before the call and is {given!r:.80} after it. The caller still needs it. {how}")
    if len(layers) != len(layers_before):
        fail(f"forward_pass_network changed the list of layers it was given: it held {len(layers_before)} layers "
             f"before the call and holds {len(layers)} after it. The same network is used again for the next "
             f"input. {how}")
    for i, (layer, (_, neurons, weights)) in enumerate(zip(layers, layers_before)):
        if len(layer) != len(neurons) or any(a is not b for a, b in zip(layer, neurons)):
            fail(f"forward_pass_network changed layer {i} of the network: it held {len(neurons)} neurons before "
                 f"the call and holds {len(layer)} after it"
                 f"{', not the same ones in the same order' if len(layer) == len(neurons) else ''}. {how}")
        for j, (neuron, (same, values, bias)) in enumerate(zip(layer, weights)):
            if neuron.weights != values or neuron.bias != bias:
                fail(f"forward_pass_network changed neuron {j} of layer {i}: its weights were {values!r:.60} and "
                     f"its bias {bias!r}, now {neuron.weights!r:.60} and {neuron.bias!r}. {how}")


def _reference(ex, inputs, layers, upto=None):
    out = list(inputs)
    for layer in layers[:upto]:
        out = [neuron.compute_output(out) for neuron in layer]
    return out


def _expect(ex, inputs, layers, expected):
    """The learner's output for `layers` is `expected`, or a message that names the likely mistake."""
    result = _run(ex, inputs, layers)
    if result is None:
        fail("forward_pass_network returned None: did you forget to `return` the last layer's output?")
    if isinstance(result, list) and len(layers) > 1 and result != expected:
        if result == list(inputs):
            fail(f"the network gave back its input {list(inputs)} unchanged. forward_pass_single_layer returns a "
                 "new list: keep it, as in `out = forward_pass_single_layer(out, layer)`.")
        if result == _reference(ex, inputs, layers, upto=1):
            fail(f"the result {result!r:.100} is the first layer's output: only the first layer ran. "
                 "Is your `return` inside the loop?")
    assert_floats_close(result, expected, eps=1e-4)
    return result


def _layer(ex, *neurons):
    return [ex.Neuron(weights=list(w), bias=b) for w, b in neurons]


def test_seed_example(exercise):
    """the example demo_network on [0.0, 1.0] gives [0.342, 0.0]"""
    result = _expect(exercise, [0.0, 1.0], exercise.demo_network, [0.342, 0.0])
    assert_floats_close(result, [0.342, 0.0], eps=1e-4)


def test_returns_a_list(exercise):
    """the result is a list with one number per neuron of the last layer"""
    result = _run(exercise, [0.0, 1.0], exercise.demo_network)
    assert isinstance(result, list), f"expected a list of floats, got {type(result).__name__}: {result!r:.200}"
    assert len(result) == 2, f"the last layer has 2 neurons, so expect 2 outputs; got {len(result)}: {result!r:.200}"


def test_single_layer_is_just_that_layer(exercise):
    """a network of one layer gives the same as forward_pass_single_layer"""
    layer = _layer(exercise, ([0.1, 0.2], 0.3), ([-0.15, 0.1], -0.1), ([0.2, 0.1], 0.1))
    result = _run(exercise, [5.5, 1.2], [layer])
    assert_floats_close(result, [1.09, 0.0, 1.32], eps=1e-4)


def test_every_layer_is_applied(exercise):
    """every layer of a ten-layer network is applied, each to the previous layer's output"""
    layers = [_layer(exercise, ([1.0], 1.0)) for _ in range(10)]  # each layer adds 1
    result = _run(exercise, [0.0], layers)
    if isinstance(result, list) and len(result) == 1 and result[0] == 1.0:
        fail("ten layers that each add 1 to [0.0] should give [10.0], but you got [1.0].\n"
             "It looks like every layer saw the initial inputs, or only one layer ran: "
             "feed each layer's output into the next layer.")
    assert_floats_close(result, [10.0])


def test_layers_run_in_order(exercise):
    """the layers run first to last, not last to first"""
    double = _layer(exercise, ([2.0], 0.0))
    minus_three = _layer(exercise, ([1.0], -3.0))
    result = _run(exercise, [2.0], [double, minus_three])
    if isinstance(result, list) and result == [0.0]:
        fail("with layers [double, subtract 3] on [2.0], expected relu(2*2 - 3) = [1.0], but got [0.0]: "
             "did the layers run in reverse order?")
    if isinstance(result, list) and result == [4.0]:
        fail("with layers [double, subtract 3] on [2.0], expected relu(2*2 - 3) = [1.0], but got [4.0]: "
             "only the first layer ran. Is your `return` inside the loop?")
    assert_floats_close(result, [1.0])


def test_sizes_change_between_layers(exercise):
    """layers of different widths chain: 2 inputs -> 3 -> 1 -> 4 outputs"""
    layers = [
        _layer(exercise, ([1.0, 0.0], 0.0), ([0.0, 1.0], 0.0), ([1.0, 1.0], 0.0)),
        _layer(exercise, ([1.0, 1.0, 1.0], 0.5)),
        _layer(exercise, ([1.0], 0.0), ([2.0], 0.0), ([-1.0], 0.0), ([0.5], 1.0)),
    ]
    # first layer: [1, 2, 3]; second: [6.5]; third: [6.5, 13, 0, 4.25]
    result = _run(exercise, [1.0, 2.0], layers)
    assert_floats_close(result, [6.5, 13.0, 0.0, 4.25])


def test_no_layers_gives_the_inputs_back(exercise):
    """a network with no layers gives back its inputs unchanged"""
    result = _run(exercise, [1.5, -2.0], [])
    assert result is not None, "forward_pass_network returned None: did you forget to `return`?"
    assert list(result) == [1.5, -2.0], (
        f"with no layers to apply, the output is the input [1.5, -2.0]; got {result!r:.200}. "
        "Start from the initial inputs, not from an empty list."
    )


def test_inputs_are_not_changed(exercise):
    """the caller's input list and the network's layers are left as they were (unsorted inputs, two calls)"""
    _expect(exercise, [1.0, 0.0], exercise.demo_network, [0.365, 0.0])
    layers = [_layer(exercise, ([1.0, -1.0, 2.0], 0.5), ([0.5, 0.5, 0.5], 0.0)), _layer(exercise, ([1.0, 2.0], -1.0))]
    for _ in range(2):  # the same network again, as the next input would
        _expect(exercise, [3.0, 1.0, 2.0], layers, [11.5])


def test_mismatched_sizes_are_refused(exercise):
    """a layer whose neurons don't fit the previous layer's output is refused"""
    layers = [
        _layer(exercise, ([1.0, 1.0], 0.0), ([1.0, 1.0], 0.0)),  # 2 outputs
        _layer(exercise, ([1.0, 1.0, 1.0], 0.0)),  # wants 3 inputs
    ]
    try:
        result = exercise.forward_pass_network([1.0, 2.0], layers)
    except ExpectationFailed:
        raise
    except AssertionError:
        return
    fail("the second layer's neuron wants 3 inputs but the first layer only gives 2, so the pass should stop "
         f"with an AssertionError; instead it returned {result!r:.100}.\n"
         "Run each layer through forward_pass_single_layer, which checks the sizes.")
