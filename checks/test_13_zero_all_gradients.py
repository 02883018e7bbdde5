"""Checks for 13 zero_all_gradients: clear .grad on all six tensors, and nothing else."""

import torch

from kata.expect import assert_close, assert_leaf_requiring_grad, fail

NAMES = ("layer_0", "layer_0_bias", "layer_1", "layer_1_bias", "layer_2", "layer_2_bias")


def _small_net(exercise, d_input=5, d_0=7, d_1=6, d_output=3):
    shapes = [(d_0, d_input), (d_0,), (d_1, d_0), (d_1,), (d_output, d_1), (d_output,)]
    return exercise.ThreeLayerNeuralNet(*[(torch.randn(shape) * 0.6).requires_grad_() for shape in shapes])


def _loss(net, x):
    """A loss that depends on all six tensors (computed here, not with the learner's forward)."""
    h0 = torch.relu(x @ net.layer_0.T + net.layer_0_bias)
    h1 = torch.relu(h0 @ net.layer_1.T + net.layer_1_bias)
    out = torch.softmax(h1 @ net.layer_2.T + net.layer_2_bias, dim=-1)
    return ((out - 0.25) ** 2).mean()


def _with_gradients(exercise):
    net = _small_net(exercise)
    _loss(net, torch.randn(4, 5)).backward()
    for name in NAMES:
        assert getattr(net, name).grad is not None  # the check's own setup
    return net


def _is_cleared(grad):
    return grad is None or bool((grad == 0).all())


def test_clears_all_six(exercise):
    """after the call, every one of the six tensors has no gradient (None or all zeros)"""
    net = _with_gradients(exercise)
    exercise.zero_all_gradients(net)
    left = [name for name in NAMES if not _is_cleared(getattr(net, name).grad)]
    if left:
        fail(f"after zero_all_gradients, these still hold a gradient: {', '.join(left)}. "
             "Clear the .grad of all six tensors of the net.")


def test_clears_gradients_set_by_hand(exercise):
    """gradients put there directly are cleared too"""
    net = _small_net(exercise)
    for name in NAMES:
        tensor = getattr(net, name)
        tensor.grad = torch.full_like(tensor, 3.0)
    exercise.zero_all_gradients(net)
    left = [name for name in NAMES if not _is_cleared(getattr(net, name).grad)]
    if left:
        fail(f"after zero_all_gradients, these still hold a gradient: {', '.join(left)}.")


def test_fresh_net_without_gradients(exercise):
    """a net that never had a gradient (every .grad is None) is fine too"""
    net = _small_net(exercise)
    try:
        exercise.zero_all_gradients(net)
    except AttributeError as exc:
        fail(f"zero_all_gradients fails on a fresh net whose .grad is still None:\n  {exc}\n"
             "Training calls it before the first backward(), so it must handle None; "
             "setting `.grad = None` works either way.")
    left = [name for name in NAMES if not _is_cleared(getattr(net, name).grad)]
    if left:
        fail(f"after zero_all_gradients, these hold a gradient: {', '.join(left)}.")


def test_tensors_untouched(exercise):
    """the six tensors keep their values, stay the same objects, and are still leaves that require grad"""
    net = _with_gradients(exercise)
    objects = [getattr(net, name) for name in NAMES]
    values = [t.detach().clone() for t in objects]
    exercise.zero_all_gradients(net)
    for name, obj, old in zip(NAMES, objects, values):
        now = getattr(net, name)
        if now is not obj:
            fail(f"zero_all_gradients replaced net.{name} with another tensor; only clear its .grad.")
        if not torch.equal(now.detach(), old):
            fail(f"zero_all_gradients changed the values of net.{name}; only its .grad should change.")
        if not now.requires_grad:
            fail(f"after zero_all_gradients, net.{name} no longer requires grad, so training could never update "
                 "it again. Leave requires_grad alone; only clear .grad.")
        assert_leaf_requiring_grad(now, what=f"net.{name} after zero_all_gradients")


def test_next_backward_starts_fresh(exercise):
    """after clearing, a new backward() gives the new gradient alone, not one added to the old"""
    net = _with_gradients(exercise)
    exercise.zero_all_gradients(net)
    x = torch.randn(3, 5)
    try:
        _loss(net, x).backward()
    except RuntimeError as exc:
        fail(f"after zero_all_gradients, a new backward() fails:\n  {exc}\n"
             "The net's tensors must still be the leaves that require grad; only their .grad should be cleared.")
    fresh = torch.autograd.grad(_loss(net, x), [getattr(net, name) for name in NAMES])
    for name, expected in zip(NAMES, fresh):
        grad = getattr(net, name).grad
        if grad is None:
            fail(f"after zero_all_gradients and a new backward(), net.{name}.grad is None: "
                 "don't turn off requires_grad, just clear the gradient.")
        assert_close(grad, expected, atol=1e-6, rtol=1e-5,
                     what=f"net.{name}.grad after zero_all_gradients and one backward()")


def test_other_nets_keep_their_gradients(exercise):
    """only the net passed in is cleared: another net keeps its gradients"""
    net = _with_gradients(exercise)
    other = _with_gradients(exercise)
    exercise.zero_all_gradients(net)
    for name in NAMES:
        if _is_cleared(getattr(other, name).grad):
            fail(f"zero_all_gradients(net) also cleared another net's {name}.grad; work only on the net passed in.")
