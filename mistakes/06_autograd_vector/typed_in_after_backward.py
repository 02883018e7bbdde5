# expect: this line never reads a_and_b.grad
# backward() runs, then the answers are typed in as numbers: right by accident.
# %%
import torch as t

# Just to make sure our results are reproducible
t.manual_seed(10)

# In the previous exercise we had two separate tensors, a = 5 and b = 3, and
# used PyTorch to find dc/da and dc/db for c = a**2 + b**2.
#
# Like almost everything else in PyTorch, autodifferentiation works with
# multidimensional tensors as well, not just scalar values! Here's a way we
# could hold a and b "at once" in a single tensor.
a_and_b = t.tensor([5.0, 3.0], requires_grad=True)
c = (a_and_b**2).sum()

# %%
# Use PyTorch to calculate again what dc/da and dc/db are, this time from the
# single tensor `a_and_b` (don't work them out by hand).
# Remember to populate the gradients first, before you read `.grad`!
c.backward()
dc_da = 10.0
dc_db = 6.0


if __name__ == "__main__":
    print(f"{a_and_b.grad=}")
    print(f"{dc_da=}  {dc_db=}")
