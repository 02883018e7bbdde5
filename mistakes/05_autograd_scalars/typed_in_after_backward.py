# expect: this line never reads a.grad
# expect: typed in or worked out by hand
# backward() runs, then the answers are typed in as numbers: right by accident, not computed by PyTorch.
# %%
import torch as t

# Just to make sure our results are reproducible
t.manual_seed(10)

# Writing out backpropagation by hand is tedious, so ML practitioners use a
# library that differentiates automatically ("autograd"). Here that is PyTorch.
#
# Here's an example of using PyTorch to calculate a derivative for you. When we
# create tensors by hand, we have to tell PyTorch that we want gradients for
# them, by passing requires_grad=True. (Later, many library calls will take
# care of this for us.)
#
# All of PyTorch's functions on tensors keep track of which operations were
# performed on which tensors, in what PyTorch calls a "computational graph".
# This graph is what lets PyTorch calculate derivatives for us.
x = t.tensor([5.0], requires_grad=True)
# The derivative here is 2x + 1, so it should be 11 at x = 5
y = x**2 + x

# PyTorch's autodifferentiation is built entirely around mutability. Call
# `.backward()` on the final value BEFORE you look at any gradient: until then
# the gradients are not set.
#
# To get dy/dx, you call `.backward()` on `y`, which computes all the
# derivatives through the computational graph, and then read `.grad` on `x`.
y.backward()
# x.grad now holds the numerical value of dy/dx at x = 5: indeed 11, as we
# calculated by hand.

# %%
a = t.tensor([5.0], requires_grad=True)
b = t.tensor([3.0], requires_grad=True)
c = a**2 + b**2

# %%
# Now a multivariate case. Use PyTorch to calculate dc/da and dc/db for the
# `a`, `b` and `c` above (don't work them out by hand).
# Remember to populate the gradients first, before you read `.grad`!
c.backward()
dc_da = 10.0
dc_db = 6.0


if __name__ == "__main__":
    print(f"{x.grad=}  (expected 11)")
    print(f"{dc_da=}  {dc_db=}")
