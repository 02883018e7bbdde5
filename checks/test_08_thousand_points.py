"""Checks for 08 thousand_points: the gradient of sum(x**2 + y**2) + 5 over 1000 points, as a NumPy array."""

import numpy as np
import torch as t

from kata.expect import assert_close, assert_leaf_requiring_grad, assert_shape, fail

FUNCTION = "gradient_of_x_squared_plus_y_squared_plus_5_thousand_times"


def _call(ex):
    """Call the learner's function on the module's points, starting from an empty .grad.

    Each step imports the file afresh, but a file may call the function once at import (as the seed
    does); clearing .grad first makes every step see the gradient of exactly one call.
    """
    points = ex.one_thousand_random_points
    assert_leaf_requiring_grad(points, "one_thousand_random_points")
    points.grad = None
    try:
        return getattr(ex, FUNCTION)()
    except RuntimeError as exc:
        text = str(exc)
        if "only for scalar outputs" in text:
            fail(f"backward() was called on a tensor with many elements:\n  {text}\n"
                 "f is one number: add up all the x**2 + y**2 terms (and the 5) before calling backward().")
        if "requires grad" in text and "numpy" in text:
            fail(f"{text}\nA tensor that is part of the computational graph can't become NumPy directly: "
                 "call .detach() first, as in .detach().numpy().")
        raise


def _as_array(result) -> np.ndarray:
    if result is None:
        fail(f"{FUNCTION} returned None: did you forget to `return` the gradient?")
    if isinstance(result, t.Tensor):
        fail(f"{FUNCTION} returned a torch tensor of shape {tuple(result.shape)}, but it should return a NumPy array: "
             "turn the gradient into one with .detach().numpy().")
    if not isinstance(result, np.ndarray):
        fail(f"{FUNCTION} should return a NumPy array, but returned {type(result).__name__}: {result!r:.100}")
    return result


def _points(ex) -> np.ndarray:
    return ex.one_thousand_random_points.detach().numpy().copy()


def test_seed_example(exercise):
    """the first two points' gradient components are twice the points' coordinates"""
    points = exercise.one_thousand_random_points
    assert points.requires_grad, "one_thousand_random_points must be created with requires_grad=True"
    result = _as_array(_call(exercise))
    assert_shape(result, (1000, 2), what=f"the array {FUNCTION} returned")
    # the seed's own asserts, within float32 rounding
    assert_close(result[0][0], float(points[0][0].detach()) * 2, atol=1e-6, what="result[0][0]", gradient=True)
    assert_close(result[1][1], float(points[1][1].detach()) * 2, atol=1e-6, what="result[1][1]", gradient=True)


def test_returns_a_numpy_array(exercise):
    """the result is a NumPy array of floats, not a tensor"""
    result = _as_array(_call(exercise))
    assert np.issubdtype(result.dtype, np.floating), f"expected an array of floats, got dtype {result.dtype}"


def test_one_gradient_component_per_coordinate(exercise):
    """the result has shape (1000, 2): one component per coordinate of each point"""
    result = _as_array(_call(exercise))
    assert_shape(result, (1000, 2), what=f"the array {FUNCTION} returned")


def test_every_component_is_twice_the_coordinate(exercise):
    """every component of the gradient is 2x or 2y, and the + 5 adds nothing"""
    expected = 2 * _points(exercise)
    result = _as_array(_call(exercise))
    assert_shape(result, (1000, 2), what=f"the array {FUNCTION} returned")
    if np.allclose(result, expected / 2, atol=1e-6):
        fail("the result equals the points themselves, not the gradient: the derivative of x**2 is 2x. "
             "Let PyTorch compute it with backward() and return the points' .grad.")
    if np.allclose(result, (expected / 2) ** 2, atol=1e-6):
        fail("the result is x**2 and y**2, the terms of f, not the gradient of f. Call backward() on f and "
             "return the points' .grad.")
    if np.allclose(result, 2 * expected, atol=1e-5):
        fail("the result is 4x and 4y, twice the gradient: backward() ran twice and the gradients added up.")
    assert_close(result, expected, atol=1e-6, what="the gradient")


def test_gradient_is_computed_by_pytorch(exercise):
    """the gradient comes from backward(): one_thousand_random_points.grad holds it"""
    result = _as_array(_call(exercise))
    grad = exercise.one_thousand_random_points.grad
    if grad is None:
        fail("one_thousand_random_points.grad is still None after the call: compute f from the points and call "
             "backward() on it, so that PyTorch fills in the gradient, rather than writing the derivative by hand.")
    assert_close(result, grad.detach().numpy(), atol=1e-6, what="the returned array, compared with one_thousand_random_points.grad,")
    # A gradient worked out by hand (2 * points) also equals .grad when .grad started empty. backward() adds
    # to whatever .grad holds, so start it from other numbers: the array returned must still be what .grad
    # holds after the call (G + 2x, or 2x for a function that resets .grad first), never a formula of the points.
    points = exercise.one_thousand_random_points
    points.grad = t.full(tuple(points.shape), 0.5)
    result = _as_array(getattr(exercise, FUNCTION)())
    grad = exercise.one_thousand_random_points.grad
    if grad is None:
        fail("one_thousand_random_points.grad is None after the call: backward() must fill it in.")
    if not np.allclose(result, grad.detach().numpy(), atol=1e-6):
        fail("the returned array is not the gradient backward() left in one_thousand_random_points.grad. Here "
             ".grad already held 0.5 everywhere before the call, and backward() added 2x and 2y to it, yet the "
             "array returned " + ("is 2x and 2y, worked out by hand" if np.allclose(result, 2 * _points(exercise), atol=1e-6)
                                  else "differs from it") +
             ". Return the points' .grad itself: points.grad.detach().numpy().")


def test_other_points(exercise):
    """it works on other points too: negative coordinates and zeros"""
    new_points = t.randn(1000, 2)
    new_points[:10] = 0.0
    exercise.one_thousand_random_points = new_points.requires_grad_()
    result = _as_array(_call(exercise))
    assert_close(result, 2 * new_points.detach().numpy(), atol=1e-6,
                 what="the gradient for points drawn from a normal distribution (some zero)")
