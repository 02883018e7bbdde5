# expect: x.grad is still None after fresh_gradient
# torch.autograd.grad returns the gradient without storing it in x.grad.
# %%
from typing import Callable

import torch as t

# If you build different computational graphs from the same input tensors and
# call `.backward()` on each of them (so that the result of `.backward()` flows
# into each input tensor several times), the gradients "accumulate". For our
# purposes this is usually undesirable.
#
# Let's go over what that means and how to avoid it. First, create tensors as
# usual.
some_input = t.tensor([1.0], requires_grad=True)
some_output = 10 * some_input
some_output.backward()
# Because this is just y = 10 * x, we expect x's gradient to be 10 at this
# point. And indeed it is.
grad_after_first_backward = some_input.grad.clone()

# %%
# PyTorch is smart enough to blow up if we try to go backward through the same
# output again.
try:
    some_output.backward()
except RuntimeError as e:
    backward_twice_error = str(e)

# %%
# But PyTorch does NOT warn us if we create a new output that reuses
# `some_input`: it just adds the new gradient onto the one already there. This
# is known as "accumulating gradients". There are reasons you might want it, but
# for our purposes it gives the wrong derivatives.
#
# Before you run the next lines, predict: what will `some_input.grad` be after
# `another_output.backward()`?
predicted_accumulated_grad = 15  # 10 from some_output, plus 5 from another_output

another_output = 5 * some_input
another_output.backward()
grad_after_another_output = some_input.grad.clone()  # the checks compare this with your prediction

# %%
# Because PyTorch either throws an error on a second backward through the same
# output, or accumulates gradients when we may not want it to, we generally
# reset gradients between calls to backward(). The easiest way is to set
# `.grad = None`. (Later we'll see a less manual way.)
#
some_input.grad = None

yet_another_output = 5 * some_input
yet_another_output.backward()
# This time we should get the correct gradient: some_input.grad is 5.


# %%
# Now package that habit as a function. `make_output` is any function that
# turns a tensor into a single-number output, like `lambda v: 5 * v`.


def fresh_gradient(x: t.Tensor, make_output: Callable[[t.Tensor], t.Tensor]) -> t.Tensor:
    """
    Return d make_output(x) / dx, computed with `.backward()`, and leave exactly
    that gradient in `x.grad`, no matter what `x.grad` held before the call.
    """
    (grad,) = t.autograd.grad(make_output(x), x)
    return grad


# %%
# Note that even after resetting a gradient, we still can't call backward again
# on the same output. This has to do with how PyTorch calculates derivatives:
# the intermediate values a graph saved are freed once backward() has run. The
# details don't matter right now (they may become clearer when we implement
# backpropagation ourselves).
if __name__ == "__main__":
    print(f"{grad_after_first_backward=}  {backward_twice_error=:.60}...")
    print(f"{predicted_accumulated_grad=}  {grad_after_another_output=}  {some_input.grad=}")
    some_input.grad = None
    try:
        yet_another_output.backward()
    except RuntimeError as e:
        print(f"Yep, we still get the following error message:\n{str(e)}")
