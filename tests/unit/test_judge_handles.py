"""Handles may borrow a trusted class for isinstance only when the class is behaviour, never data."""

import torch

from kata.judge.handles import handle_class


def _handle(module, qualname):
    return handle_class(module, qualname, "object")._make(None, 1, {})


def test_a_learner_nn_module_passes_isinstance_with_torchs_class():
    assert isinstance(_handle("torch.nn.modules.linear", "Linear"), torch.nn.Linear)
    assert type(_handle("torch.nn.modules.linear", "Linear")).__name__ == "Linear"


def test_a_handle_claiming_to_be_a_tensor_is_not_one():
    assert not isinstance(_handle("torch", "Tensor"), torch.Tensor)
    assert not isinstance(_handle("torch.nn.parameter", "Parameter"), torch.Tensor)


def test_a_learner_class_is_its_own():
    handle = _handle("kata_target_x_1", "Net")
    assert not isinstance(handle, torch.nn.Module)
    assert type(handle).__name__ == "Net"
