"""Checks for 07 gradient_accumulation: backward() adds into .grad, and resetting it gives the right answer."""

import torch as t

from kata.expect import assert_close, assert_leaf_requiring_grad, fail, learner_side


def _number(value, what: str) -> float:
    """A plain number, or a one-element tensor, as a float."""
    if isinstance(value, t.Tensor):
        if value.numel() != 1:
            fail(f"{what} should be one number, but it is a tensor of shape {tuple(value.shape)}.")
        return float(value.detach().reshape(-1)[0])
    try:
        return float(value)
    except (TypeError, ValueError):
        fail(f"{what} should be a number, but it is {value!r:.100}.")


def _input_of(output) -> t.Tensor | None:
    """The leaf tensor that `k * some_input` was computed from (None if it cannot be told)."""
    node = getattr(output, "grad_fn", None)
    for fn, _ in getattr(node, "next_functions", ()):
        if fn is not None and hasattr(fn, "variable"):
            return fn.variable
    return None


def ten_times(v):
    return 10 * v


def five_times(v):
    return 5 * v


def sum_of_squares(v):
    return (v**2).sum()


def _fresh(ex, x, make_output, what: str) -> t.Tensor:
    values, dtype = x.detach().clone(), x.dtype
    result = ex.fresh_gradient(x, learner_side(ex, make_output))
    if not x.requires_grad or not x.is_leaf:
        fail(f"after fresh_gradient, x {'no longer requires grad' if not x.requires_grad else 'is no longer a leaf'}: "
             "the caller's x should stay a leaf that requires grad, with only its .grad replaced. Reset x.grad, "
             "call backward(), and leave x itself as it was.")
    if x.dtype != dtype or x.shape != values.shape or not t.equal(x.detach(), values):
        fail("fresh_gradient changed x's values: only x.grad should change. Reset x.grad (x.grad = None), call "
             "backward(), and leave x itself as it was.")
    if result is None:
        fail(f"fresh_gradient returned None for {what}. Return the gradient (x.grad) after calling backward(); "
             "if you reset x.grad after backward(), you threw the answer away.")
    if not isinstance(result, t.Tensor):
        fail(f"fresh_gradient should return a tensor (the gradient), but returned {result!r:.100}.")
    return result


def test_predict_the_accumulated_gradient(exercise):
    """your prediction of some_input.grad after both backward() calls is what PyTorch gives"""
    prediction = getattr(exercise, "predicted_accumulated_grad", None)
    if prediction is None:
        fail("predicted_accumulated_grad is still None: write down the number you expect some_input.grad to hold "
             "after another_output.backward().")
    guess = _number(prediction, "predicted_accumulated_grad")
    actual = _number(exercise.grad_after_another_output, "grad_after_another_output")
    if actual == 5.0:
        fail("after another_output.backward(), some_input.grad was 5, not the accumulated 15: the gradient was reset "
             "too early. Leave that cell alone (it shows the problem) and reset just before yet_another_output.backward().")
    assert actual == 15, f"after another_output.backward(), some_input.grad should be 15 but was {actual:g}"
    if guess in (5.0, 10.0):
        fail(f"you predicted {guess:g}, but some_input.grad was {actual:g}. backward() does not overwrite .grad: "
             "it adds the new gradient (5, from 5 * x) onto what is already there (10, from 10 * x).")
    if guess != actual:
        fail(f"you predicted {guess:g}, but some_input.grad was {actual:g}: 10 from the first backward(), "
             "plus 5 from the second.")


def test_reset_gives_the_right_gradient(exercise):
    """with .grad reset before the last backward(), some_input.grad is 5"""
    some_input = exercise.some_input
    assert_leaf_requiring_grad(some_input, "some_input")
    if _input_of(exercise.another_output) is not some_input or _input_of(exercise.yet_another_output) is not some_input:
        fail("some_input is no longer the tensor the outputs were computed from: you made a new tensor instead "
             "of resetting the old one's gradient. Keep some_input and set some_input.grad = None.")
    grad = some_input.grad
    if grad is None:
        fail("some_input.grad is None at the end: reset it BEFORE yet_another_output.backward(), not after.")
    value = _number(grad, "some_input.grad")
    if value == 20.0:
        fail("some_input.grad is 20 = 15 + 5: the old gradient was still there, so the new one was added onto it. "
             "Reset some_input's gradient just before calling yet_another_output.backward().")
    assert some_input.grad == 5, f"some_input.grad should be 5 (the derivative of 5 * x), but it is {value:g}"


def test_fresh_gradient_on_a_new_tensor(exercise):
    """fresh_gradient of 10 * x is 10, and it is left in x.grad"""
    x = t.tensor([1.0], requires_grad=True)
    result = _fresh(exercise, x, ten_times, "10 * x")
    assert_close(result, t.tensor([10.0]), what="fresh_gradient(x, lambda v: 10 * v)")
    if x.grad is None:
        fail("x.grad is still None after fresh_gradient: compute the gradient with backward(), which fills x.grad "
             "(torch.autograd.grad returns it without storing it).")
    assert_close(x.grad, t.tensor([10.0]), what="x.grad after fresh_gradient")


def test_fresh_gradient_ignores_an_old_gradient(exercise):
    """an old gradient in x.grad is not added to the new one"""
    x = t.tensor([1.0], requires_grad=True)
    x.grad = t.tensor([100.0])
    result = _fresh(exercise, x, five_times, "5 * x")
    got = _number(result, "fresh_gradient's result")
    if got == 105.0:
        fail("x.grad already held 100, and fresh_gradient of 5 * x returned 105 = 100 + 5: backward() added onto "
             "the old gradient. Reset x.grad first.")
    assert_close(result, t.tensor([5.0]), what="fresh_gradient(x, lambda v: 5 * v) when x.grad held 100")
    if x.grad is None or _number(x.grad, "x.grad") != 5.0:
        fail(f"fresh_gradient returned 5, but afterwards x.grad is {x.grad!r}: leave the gradient in x.grad itself "
             "(reset the caller's x, not a copy of it).")


def test_fresh_gradient_twice_in_a_row(exercise):
    """calling fresh_gradient twice on the same x gives 10, then 5: nothing leaks between calls"""
    x = t.tensor([1.0], requires_grad=True)
    kept = _fresh(exercise, x, ten_times, "10 * x")  # the caller keeps the first result
    first = _number(kept, "the first result")
    assert first == 10.0, f"the first call, on 10 * x, should give 10 but gave {first:g}"
    second = _number(_fresh(exercise, x, five_times, "5 * x"), "the second result")
    if second == 15.0:
        fail("the second call, on 5 * x, gave 15 = 10 + 5: the first call's gradient was still in x.grad. "
             "Reset x.grad before each backward().")
    assert second == 5.0, f"the second call, on 5 * x, should give 5 but gave {second:g}"
    if _number(kept, "the first result") != 10.0:
        fail(f"the first call's result, kept by the caller, now holds {_number(kept, 'the first result'):g}, not 10: "
             "the second call zeroed and refilled that same tensor (x.grad.zero_()). Give each call a gradient of "
             "its own: set x.grad = None before backward(), so backward makes a new one.")


def test_fresh_gradient_of_a_vector(exercise):
    """fresh_gradient works on vectors: the gradient of sum(v**2) at [1, -2, 3] is [2, -4, 6]"""
    x = t.tensor([1.0, -2.0, 3.0], requires_grad=True)
    for attempt in ("first", "second"):
        result = _fresh(exercise, x, sum_of_squares, "sum(v**2)")
        assert_close(result, t.tensor([2.0, -4.0, 6.0]), what=f"the {attempt} call's result")
    assert_close(x.detach(), t.tensor([1.0, -2.0, 3.0]), what="x after fresh_gradient (it must not change)")
