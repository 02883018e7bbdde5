"""Checks for 05 autograd_scalars: dc/da and dc/db for c = a**2 + b**2, computed by PyTorch."""

import torch as t

from kata.expect import assert_leaf_requiring_grad, fail, learner_assignment


def _grad_value(tensor, name: str) -> float:
    """The number in `tensor.grad`, failing with a reason when backward() has not filled it."""
    if tensor.grad is None:
        fail(f"{name}.grad is still None. PyTorch only fills `.grad` when you call `.backward()` on the result: "
             "call c.backward() (not torch.autograd.grad, which leaves .grad empty).")
    return float(tensor.grad.reshape(-1)[0])


def _given_tensors_unchanged(ex) -> None:
    """a, b and c are still the tensors the exercise gives: 5, 3 and a**2 + b**2 = 34."""
    for name, expected in (("a", 5.0), ("b", 3.0), ("c", 34.0)):
        value = getattr(ex, name, None)
        if not isinstance(value, t.Tensor) or value.numel() != 1 or float(value.detach().reshape(-1)[0]) != expected:
            fail(f"{name} should still be a one-element tensor holding {expected:g}, but it is {value!r:.100}. "
                 "Leave the given tensors as they are; only fill in dc_da and dc_db.")
    if ex.c.grad_fn is None:
        fail("c is no longer computed from a and b (it has no grad_fn), so PyTorch cannot differentiate it. "
             "Keep `c = a**2 + b**2`.")


def _answer(ex, answer_name: str, leaf_name: str, expected: float, other: float) -> float:
    """The learner's dc_da or dc_db as a number, with a reason for each way it can be wrong."""
    value = getattr(ex, answer_name, None)
    leaf = getattr(ex, leaf_name)
    if value is None:
        if leaf.grad is not None:
            fail(f"{answer_name} is None, yet {leaf_name}.grad is filled in. Did you read {leaf_name}.grad "
                 "before calling c.backward()? At that moment it was still None: read it after.")
        fail(f"{answer_name} is still None: fill it in with the gradient PyTorch computes.")
    if isinstance(value, t.Tensor):
        if value.numel() != 1:
            fail(f"{answer_name} should hold one number, but it is a tensor of shape {tuple(value.shape)}.")
        if value.requires_grad:
            fail(f"{answer_name} is a tensor computed from {leaf_name} (it requires grad): it looks like a formula "
                 f"worked out by hand. Let PyTorch compute it: call c.backward() and read {leaf_name}.grad.")
        number = float(value.reshape(-1)[0])
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            fail(f"{answer_name} should be a number or a one-element tensor, but it is {value!r:.100}.")
    if number == other and other != expected:
        fail(f"{answer_name} is {number:g}, but that is the other derivative: "
             f"d c/d {leaf_name} should be {expected:g}. Are dc_da and dc_db swapped?")
    if number == 2 * expected:
        fail(f"{answer_name} is {number:g}, twice the right answer {expected:g}: backward() ran twice and the "
             "gradients added up. Call c.backward() only once.")
    if abs(number - expected) > 1e-5:
        fail(f"{answer_name} is {number:g}, expected {expected:g} (c = a**2 + b**2, so dc/d{leaf_name} = 2*{leaf_name}).")
    return number


def test_backward_filled_in_the_gradients(exercise):
    """c.backward() has filled in a.grad and b.grad"""
    _given_tensors_unchanged(exercise)
    assert_leaf_requiring_grad(exercise.a, "a")
    assert_leaf_requiring_grad(exercise.b, "b")
    _grad_value(exercise.a, "a")
    _grad_value(exercise.b, "b")


def test_dc_da_is_10(exercise):
    """dc_da holds dc/da, the derivative of c with respect to a, at a = 5"""
    _answer(exercise, "dc_da", "a", expected=10.0, other=6.0)
    assert bool(t.tensor(10.0) == exercise.dc_da), f"Expected: {t.tensor(10.0)} Actual: {exercise.dc_da}"


def test_dc_db_is_6(exercise):
    """dc_db holds dc/db, the derivative of c with respect to b, at b = 3"""
    _answer(exercise, "dc_db", "b", expected=6.0, other=10.0)
    assert bool(t.tensor(6.0) == exercise.dc_db), f"Expected: {t.tensor(6.0)} Actual: {exercise.dc_db}"


def test_answers_are_what_pytorch_computed(exercise):
    """dc_da and dc_db are what PyTorch computed, not written in by hand"""
    for answer_name, leaf_name, expected, other in (("dc_da", "a", 10.0, 6.0), ("dc_db", "b", 6.0, 10.0)):
        leaf = getattr(exercise, leaf_name)
        grad = _grad_value(leaf, leaf_name)
        number = _answer(exercise, answer_name, leaf_name, expected, other)
        if grad != number:
            fail(f"{answer_name} is {number:g} but {leaf_name}.grad is {grad:g}: read the answer from "
                 f"{leaf_name}.grad after a single c.backward().")
        _read_from_grad(exercise, answer_name, leaf_name)


def _read_from_grad(ex, answer_name: str, leaf_name: str) -> None:
    """The line that sets the answer reads `.grad`: a number typed in after backward() equals it by accident."""
    found = learner_assignment(ex, answer_name)
    if found is not None and not found.reads_attribute("grad"):
        fail(f"{found.where}: {found.code:.100}\n"
             f"{answer_name} holds the right number, but this line never reads {leaf_name}.grad: the value was "
             f"typed in or worked out by hand, not computed by PyTorch. After c.backward(), set "
             f"{answer_name} = {leaf_name}.grad.")
