"""Checks for 06 autograd_vector: dc/da and dc/db from the gradient of one vector a_and_b."""

import torch as t

from kata.expect import assert_close, assert_leaf_requiring_grad, fail, learner_assignment


def _gradient(ex) -> t.Tensor:
    """a_and_b.grad, after checking that the given tensors are intact and backward() filled it in."""
    a_and_b, c = getattr(ex, "a_and_b", None), getattr(ex, "c", None)
    assert_leaf_requiring_grad(a_and_b, "a_and_b")
    if tuple(a_and_b.shape) != (2,) or a_and_b.detach().tolist() != [5.0, 3.0]:
        fail(f"a_and_b should still be tensor([5., 3.]), but it is {a_and_b!r:.100}. Leave it as it is.")
    if not isinstance(c, t.Tensor) or c.numel() != 1 or c.grad_fn is None or float(c.detach()) != 34.0:
        fail(f"c should still be (a_and_b**2).sum() = 34, computed from a_and_b, but it is {c!r:.100}. Leave it as it is.")
    if a_and_b.grad is None:
        fail("a_and_b.grad is still None. PyTorch only fills `.grad` when you call `.backward()` on the result: "
             "call c.backward().")
    return a_and_b.grad


def _answer(ex, name: str, index: int, expected: float, other: float) -> float:
    """The learner's dc_da or dc_db as a number, with a reason for each way it can be wrong."""
    value = getattr(ex, name, None)
    grad = ex.a_and_b.grad
    if value is None:
        if grad is not None:
            fail(f"{name} is None, yet a_and_b.grad is filled in. Did you read a gradient before calling c.backward(), "
                 "or from a slice like a_and_b[0].grad? A slice is not a leaf tensor, so its .grad stays None: "
                 "index into the gradient instead.")
        fail(f"{name} is still None: fill it in from the gradient PyTorch computes.")
    if isinstance(value, t.Tensor):
        if value.numel() != 1:
            fail(f"{name} should be one number, but it is a tensor of shape {tuple(value.shape)}: "
                 f"{value!r:.100}. a_and_b.grad holds both derivatives; {name} is only element {index} of it.")
        if value.requires_grad:
            fail(f"{name} is a tensor computed from a_and_b (it requires grad): it looks like a formula worked out "
                 "by hand. Let PyTorch compute it with c.backward(), then read it from a_and_b.grad.")
        number = float(value.reshape(-1)[0])
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            fail(f"{name} should be a number or a one-element tensor, but it is {value!r:.100}.")
    if number == other:
        fail(f"{name} is {number:g}, but that is the other derivative: it should be {expected:g}. "
             f"a_and_b[0] is a and a_and_b[1] is b, and their gradients sit at the same places in a_and_b.grad.")
    if number == 2 * expected:
        fail(f"{name} is {number:g}, twice the right answer {expected:g}: backward() ran twice and the gradients "
             "added up. Call c.backward() only once.")
    if abs(number - expected) > 1e-5:
        fail(f"{name} is {number:g}, expected {expected:g} (c = a**2 + b**2, so the derivatives are 2a and 2b).")
    return number


def test_backward_filled_in_the_gradient(exercise):
    """c.backward() has filled in a_and_b.grad with both derivatives"""
    grad = _gradient(exercise)
    if tuple(grad.shape) == (2,) and grad.tolist() == [20.0, 12.0]:
        fail("a_and_b.grad is [20, 12], twice [10, 6]: backward() ran twice and the gradients added up. "
             "Call c.backward() only once.")
    assert_close(grad, t.tensor([10.0, 6.0]), what="a_and_b.grad")


def test_dc_da_is_10(exercise):
    """dc_da holds dc/da, the derivative of c with respect to a = a_and_b[0]"""
    _answer(exercise, "dc_da", 0, expected=10.0, other=6.0)


def test_dc_db_is_6(exercise):
    """dc_db holds dc/db, the derivative of c with respect to b = a_and_b[1]"""
    _answer(exercise, "dc_db", 1, expected=6.0, other=10.0)


def test_answers_come_from_the_gradient(exercise):
    """dc_da and dc_db come from the gradient PyTorch computed, not numbers written in by hand"""
    grad = _gradient(exercise)
    for name, index, expected, other in (("dc_da", 0, 10.0, 6.0), ("dc_db", 1, 6.0, 10.0)):
        number = _answer(exercise, name, index, expected, other)
        if float(grad[index]) != number:
            fail(f"{name} is {number:g} but a_and_b.grad[{index}] is {float(grad[index]):g}: read {name} "
                 "from a_and_b.grad after a single c.backward().")
        found = learner_assignment(exercise, name)  # a number typed in after backward() is right by accident
        if found is not None and not found.reads_attribute("grad"):
            fail(f"{found.where}: {found.code:.100}\n"
                 f"{name} holds the right number, but this line never reads a_and_b.grad: the value was typed in "
                 f"or worked out by hand, not computed by PyTorch. After c.backward(), set "
                 f"{name} = a_and_b.grad[{index}].")
