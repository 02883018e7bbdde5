# expect: which is (d_output, batch) = (3, 4): it is transposed
# The output comes back d_output x batch: one column per input instead of one row.
# %%
import einops
import torch as t
from jaxtyping import Float

# Just to make sure our results are reproducible
t.manual_seed(10)

# A higher-level way of thinking about a neural net layer: it is a general
# linear function with an added constant, followed by a non-linear function.
# Let's begin by implementing the application of a linear function.
#
# Remember that a linear function from a vector space of dimension n to a
# vector space of dimension m can be written as an m x n matrix.
#
# There is a major benefit in implementing a neural net layer this way: an
# entire batch of inputs can be processed at once! Instead of passing in a
# single vector of size d_input, we pass in a whole block of them, in the form
# of a batch x d_input tensor. Each row of the input is one vector; each row of
# the output is the linear function applied to that row.
#
# You should be able to write this in one or two lines without any iteration.
# You can use either einops.einsum or built-in PyTorch methods.


def apply_linear_function_to_input(
    linear_function: Float[t.Tensor, "d_output d_input"],
    input_to_function: Float[t.Tensor, "batch d_input"],
) -> Float[t.Tensor, "batch d_output"]:
    return linear_function @ input_to_function.T


# %%
# A 3x2 matrix, i.e. f: R^2 -> R^3
test_linear_function = t.tensor(
    [
        [1.0, 2.0],
        [3.0, 4.0],
        [5.0, 6.0],
    ]
)
# A batch of 4 vectors, all combined together
test_input = t.tensor(
    [
        [0.5, 0.6],
        [0.3, 0.4],
        [-2.0, -9.0],
        [-8.0, 1.0],
    ]
)
expected_output = t.tensor(
    [
        [1.7, 3.9, 6.1],
        [1.1, 2.5, 3.9],
        [-20, -42, -64],
        [-6, -20, -34],
    ]
)

if __name__ == "__main__":
    test_output = apply_linear_function_to_input(linear_function=test_linear_function, input_to_function=test_input)
    print(f"{test_output=}\n{expected_output=}")

    # And as we expect, gradients flow through automatically.
    example_input = t.rand((1, 2), requires_grad=True)
    example_result = apply_linear_function_to_input(example_input, t.rand((50, 2))).sum()
    example_result.backward()
    print(f"{example_input.grad=}")
