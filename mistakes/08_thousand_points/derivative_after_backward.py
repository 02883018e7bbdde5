# expect: the returned array is not the gradient backward() left in one_thousand_random_points.grad
# expect: worked out by hand
# backward() runs, but the function returns 2 * points, written by hand, instead of points.grad.
# %%
import numpy as np
import torch as t
from jaxtyping import Float

# Just to make sure our results are reproducible
t.manual_seed(10)

# Let's drive home that PyTorch's autodifferentiation handles multidimensional
# tensors just fine, since this will often show up. We'll have PyTorch
# calculate 2000 derivatives at once (that is, a single gradient made of 2000
# components)!
one_thousand_random_points: Float[t.Tensor, "1000 2"] = t.rand(1000, 2, requires_grad=True)
assert one_thousand_random_points.requires_grad

# %%
# Using `one_thousand_random_points`, compute
#     f = sum over 0 <= i < 1000 of (x_i^2 + y_i^2) + 5
# (the thousand points are all (x, y) pairs, because the second dimension is 2),
# and return its gradient with respect to the points.


def gradient_of_x_squared_plus_y_squared_plus_5_thousand_times() -> np.ndarray:
    """
    Usually a Tensor will calculate its gradient as another Tensor, but here
    we'll return a NumPy array.

    We calculate this for the function
        f(x_i, y_i) = sum over 0 <= i < 1000 of x_i^2 + y_i^2, plus 5.
    Use `one_thousand_random_points` as the 1000 points, and return a 1000x2
    NumPy array: the gradient of f, of size 1000x2.

    To turn a PyTorch tensor into a NumPy array, call the .detach().numpy()
    method on the tensor.
    """
    points = one_thousand_random_points
    result = (points**2).sum() + 5
    result.backward()
    return (2 * points).detach().numpy()


if __name__ == "__main__":
    result = gradient_of_x_squared_plus_y_squared_plus_5_thousand_times()
    print(f"{result=}")
    print(f"{one_thousand_random_points[0]=}  (the gradient should be twice each point)")
