"""A learner's function leaves the caller's tensors alone: values, dtype, requires_grad and .grad.

Checks snapshot each tensor argument before the call (`tensor_state`) and compare after it
(`assert_left_alone`), with a message naming what changed and how to avoid it. Public through
`kata.expect`.
"""

from __future__ import annotations

from typing import Any

from kata.feedback.expectation import fail


def tensor_state(tensor: Any) -> tuple:
    """What the caller's tensor holds: values, dtype, requires_grad, and its .grad (object and values)."""
    grad = tensor.grad
    return tensor.detach().clone(), tensor.dtype, tensor.requires_grad, grad, None if grad is None else grad.clone()


def assert_left_alone(tensor: Any, state: tuple, name: str, function: str) -> None:
    """`tensor` is as `tensor_state` saw it before the learner's call, or a message naming what changed."""
    import torch

    values, dtype, requires_grad, grad, grad_values = state
    if tensor.dtype != dtype or tensor.shape != values.shape:
        fail(f"{function} changed {name} itself: it was a {tuple(values.shape)} {dtype} tensor before the call and "
             f"is a {tuple(tensor.shape)} {tensor.dtype} tensor after it. Leave the caller's tensor as it was "
             "and return a new one.")
    if not torch.equal(tensor.detach(), values):
        fail(f"{function} changed {name} in place: the caller's tensor no longer holds the values it passed "
             "in. Return a new tensor instead: no in-place methods ending in `_` (relu_, clamp_, sub_), "
             "no `-=`/`+=` or item assignment like x[x < 0] = 0 on an argument.")
    if tensor.requires_grad != requires_grad:
        fail(f"{function} turned requires_grad {'on' if tensor.requires_grad else 'off'} for {name}: the caller "
             f"decides whether its tensors track gradients. Leave {name}.requires_grad as it was "
             f"({requires_grad}).")
    now = tensor.grad
    if now is not grad or (grad_values is not None and not torch.equal(now, grad_values)):
        fail(f"{function} changed {name}.grad (it was {'None' if grad is None else 'set'} before the call): "
             "computing a result only reads its arguments. Don't call backward(), zero or rescale the "
             "gradient inside it.")
