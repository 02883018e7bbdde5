"""Checks for 16 tune_weights_once: zero grads, forward, loss, backward, nudge all six tensors."""

import torch
import torch.nn.functional as F

from kata.expect import assert_close, assert_leaf_requiring_grad, assert_updated_in_place, fail, typecheck_module

NAMES = ("layer_0", "layer_0_bias", "layer_1", "layer_1_bias", "layer_2", "layer_2_bias")


def _small_net(exercise, sizes=(6, 8, 5, 3)):
    d_input, d_0, d_1, d_output = sizes
    shapes = [(d_0, d_input), (d_0,), (d_1, d_0), (d_1,), (d_output, d_1), (d_output,)]
    return exercise.ThreeLayerNeuralNet(*[(torch.randn(shape) * 0.6).requires_grad_() for shape in shapes])


def _data(batch=12, d_input=6, d_output=3):
    inputs = torch.randn(batch, d_input)
    expected = F.one_hot(torch.arange(batch) % d_output, num_classes=d_output).float()
    return inputs, expected


def _values(net):
    return [getattr(net, name).detach().clone() for name in NAMES]


def _loss_of(params, inputs, expected):
    w0, b0, w1, b1, w2, b2 = params
    h0 = torch.relu(inputs @ w0.T + b0)
    h1 = torch.relu(h0 @ w1.T + b1)
    out = torch.softmax(h1 @ w2.T + b2, dim=-1)
    return ((expected - out) ** 2).mean()


def _gradients(values, inputs, expected):
    params = [v.clone().requires_grad_() for v in values]
    return torch.autograd.grad(_loss_of(params, inputs, expected), params)


def _reference_step(values, inputs, expected, learning_rate):
    """One step of gradient descent, computed here from the values alone."""
    return [v - learning_rate * g for v, g in zip(values, _gradients(values, inputs, expected))]


def _tune(exercise, net, inputs, expected, learning_rate):
    """One call of the learner's tune_weights_once; the net's six tensors must be updated in place."""
    objects = [getattr(net, name) for name in NAMES]
    _call(exercise, net, inputs, expected, learning_rate)
    for name, obj in zip(NAMES, objects):
        assert_updated_in_place(obj, getattr(net, name), what=f"net.{name}")


def _call(exercise, net, inputs, expected, learning_rate):
    typecheck_module(exercise)  # shapes that break the stub's jaxtyping annotations fail in one sentence
    try:
        exercise.tune_weights_once(net, inputs, expected, learning_rate)
    except TypeError as exc:
        if "NoneType" in str(exc):
            fail(f"tune_weights_once failed with: {exc}\nA tensor's .grad was None when it was nudged: call "
                 "loss.backward() after computing the loss and before nudging (and zero the gradients before "
                 "the forward pass, not after backward()).")
        raise
    except RuntimeError as exc:
        if "does not require grad" in str(exc):
            fail(f"tune_weights_once failed with: {exc}\nThe loss is not connected to the net's tensors: don't "
                 "compute the forward pass or the loss under t.no_grad(), and don't .detach() them.")
        raise


def _compare(net, expected_values, before, inputs, expected, learning_rate, what):
    """The net's tensors equal `expected_values`, or a message that names the likely mistake."""
    unmoved = [name for name, old in zip(NAMES, before) if torch.equal(getattr(net, name).detach(), old)]
    if len(unmoved) == len(NAMES):
        fail(f"{what}: none of the six tensors changed. Nudge each of them with nudge_tensor_towards_minimum "
             "(which changes them in place), after loss.backward().")
    if unmoved:
        fail(f"{what}: these tensors did not change: {', '.join(unmoved)}. Nudge all six tensors of the net.")
    uphill = [v + (v - r) for v, r in zip(before, expected_values)]
    if all(torch.allclose(getattr(net, n).detach(), u, atol=1e-5) for n, u in zip(NAMES, uphill)):
        fail(f"{what}: the tensors moved uphill, making the loss bigger: subtract the gradient times the learning rate.")
    for name, reference in zip(NAMES, expected_values):
        assert_close(getattr(net, name), reference, atol=1e-5, rtol=1e-4, what=f"{what}: net.{name}")


def test_loss_falls(exercise):
    """after one step, the loss on the same data is lower"""
    net = _small_net(exercise)
    inputs, expected = _data()
    before = _loss_of(_values(net), inputs, expected).item()
    _tune(exercise, net, inputs, expected, learning_rate=2.0)
    after = _loss_of(_values(net), inputs, expected).item()
    if after == before:
        fail(f"after one step the loss is still exactly {before:.5f}: the net's tensors did not change. Nudge each "
             "of the six with nudge_tensor_towards_minimum (it changes them in place), after loss.backward().")
    if not after < before - 1e-3:
        fail(f"one step of training with learning rate 2.0 should lower the loss, but it went from {before:.5f} "
             f"to {after:.5f}.")


def test_matches_one_step_of_gradient_descent(exercise):
    """each of the six tensors becomes tensor - learning_rate * its gradient of the MSE loss"""
    net = _small_net(exercise)
    inputs, expected = _data()
    before = _values(net)
    reference = _reference_step(before, inputs, expected, learning_rate=0.7)
    _tune(exercise, net, inputs, expected, learning_rate=0.7)
    _compare(net, reference, before, inputs, expected, 0.7, "after one step")


def test_all_six_tensors_move(exercise):
    """every one of the six tensors changes"""
    net = _small_net(exercise)
    inputs, expected = _data()
    before = _values(net)
    _tune(exercise, net, inputs, expected, learning_rate=1.0)
    unmoved = [name for name, old in zip(NAMES, before) if torch.equal(getattr(net, name).detach(), old)]
    if unmoved:
        fail(f"after one step, these tensors did not change: {', '.join(unmoved)}. Nudge all six tensors of the net.")


def test_stale_gradients_are_ignored(exercise):
    """gradients left on the net from before don't leak into the step"""
    net = _small_net(exercise)
    inputs, expected = _data()
    for name in NAMES:
        tensor = getattr(net, name)
        tensor.grad = torch.full_like(tensor, 5.0)
    before = _values(net)
    reference = _reference_step(before, inputs, expected, learning_rate=0.5)
    _tune(exercise, net, inputs, expected, learning_rate=0.5)
    stale = [v - 0.5 * (g + 5.0) for v, g in zip(before, _gradients(before, inputs, expected))]
    if all(torch.allclose(getattr(net, n).detach(), s, atol=1e-5) for n, s in zip(NAMES, stale)):
        fail("the step used the old gradient plus the new one: backward() adds to whatever .grad already holds. "
             "Call zero_all_gradients(neural_net) before the forward pass.")
    _compare(net, reference, before, inputs, expected, 0.5, "a step on a net that already held gradients")


def test_second_call_does_not_accumulate(exercise):
    """calling it twice: the second step uses fresh gradients, not the sum of both"""
    net = _small_net(exercise)
    inputs, expected = _data()
    _tune(exercise, net, inputs, expected, learning_rate=0.5)
    middle = _values(net)
    reference = _reference_step(middle, inputs, expected, learning_rate=0.5)
    _tune(exercise, net, inputs, expected, learning_rate=0.5)
    if not all(torch.allclose(getattr(net, n).detach(), r, atol=1e-5) for n, r in zip(NAMES, reference)):
        first_grads = [getattr(net, n).grad for n in NAMES]
        if all(g is not None for g in first_grads):
            summed = [m - 0.5 * g for m, g in zip(middle, first_grads)]
            if all(torch.allclose(getattr(net, n).detach(), s, atol=1e-5) for n, s in zip(NAMES, summed)) and any(
                    not torch.allclose(g, e, atol=1e-6)
                    for g, e in zip(first_grads, _gradients(middle, inputs, expected))):
                fail("the second step used the gradients of both calls added together. "
                     "Call zero_all_gradients(neural_net) at the start of every step.")
    _compare(net, reference, middle, inputs, expected, 0.5, "after a second step")


def test_tensors_stay_leaves_updated_in_place(exercise):
    """the six tensors stay the same objects, in the same memory, leaves that require grad"""
    net = _small_net(exercise)
    inputs, expected = _data()
    objects = [getattr(net, name) for name in NAMES]
    pointers = [t.data_ptr() for t in objects]
    _tune(exercise, net, inputs, expected, learning_rate=1.0)
    for name, obj, ptr in zip(NAMES, objects, pointers):
        now = getattr(net, name)
        if now is not obj:
            fail(f"net.{name} was replaced by a new tensor; update the net's own tensors in place "
                 "(nudge_tensor_towards_minimum does that).")
        if now.data_ptr() != ptr:
            fail(f"net.{name} now points at new memory; update it in place.")
        assert_leaf_requiring_grad(now, what=f"net.{name} after a step")


def test_inputs_and_targets_unchanged(exercise):
    """the inputs and the expected outputs are left as they were"""
    net = _small_net(exercise)
    inputs, expected = _data()
    inputs_before, expected_before = inputs.clone(), expected.clone()
    _tune(exercise, net, inputs, expected, learning_rate=1.0)
    if not torch.equal(inputs, inputs_before):
        fail("tune_weights_once changed the inputs tensor; only the net's tensors should change.")
    if not torch.equal(expected, expected_before):
        fail("tune_weights_once changed expected_outputs; only the net's tensors should change.")


def test_full_size_net(exercise):
    """one step on the real 784 -> 2000 -> 400 -> 10 net lowers its loss on a batch of 8"""
    net = exercise.initialize_new_three_layer_net()
    inputs = torch.rand(8, 784)
    expected = F.one_hot(torch.arange(8), num_classes=10).float()
    before = _loss_of(_values(net), inputs, expected).item()
    _tune(exercise, net, inputs, expected, learning_rate=10.0)
    after = _loss_of(_values(net), inputs, expected).item()
    if not after < before - 5e-3:
        fail(f"one step with learning rate 10 should lower the loss of the full net, but it went from "
             f"{before:.5f} to {after:.5f}.")
