# expect: TypeError: maximum(): argument 'other'
# expect: On your line
# t.maximum needs two tensors; 0 is a Python number.
# %%
from dataclasses import dataclass

import einops
import torch as t
from jaxtyping import Float

# Pieces from earlier exercises come first, as working code, so this file runs
# on its own. Your task is further down.


def apply_linear_function_to_input(
    linear_function: Float[t.Tensor, "d_output d_input"],
    input_to_function: Float[t.Tensor, "batch d_input"],
) -> Float[t.Tensor, "batch d_output"]:
    """Applies an (m, n) matrix to every row of a (batch, n) input: a (batch, m) result."""
    return einops.einsum(linear_function, input_to_function, "d_output d_input, batch d_input -> batch d_output")


@dataclass
class ThreeLayerNeuralNet:
    """A three-layer net is six tensors: a weight matrix (d_output, d_input) and a bias per layer."""

    layer_0: Float[t.Tensor, "d_output_0 d_input"]
    layer_0_bias: Float[t.Tensor, "d_output_0"]
    layer_1: Float[t.Tensor, "d_output_1 d_output_0"]
    layer_1_bias: Float[t.Tensor, "d_output_1"]
    layer_2: Float[t.Tensor, "d_output_2 d_output_1"]
    layer_2_bias: Float[t.Tensor, "d_output_2"]


def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    """A fresh 784 -> 2000 -> 400 -> 10 net: leaf tensors, uniform in ±1/20, that require grad."""
    initial_bound = 1 / 20
    with t.no_grad():
        return ThreeLayerNeuralNet(
            layer_0=t.zeros((2000, 784), requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_0_bias=t.zeros(2000, requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_1=t.zeros((400, 2000), requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_1_bias=t.zeros(400, requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_2=t.zeros((10, 400), requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_2_bias=t.zeros(10, requires_grad=True).uniform_(-initial_bound, initial_bound),
        )


# %%
# We'll need a version of ReLU that works on tensors of any size: every element
# that is negative becomes 0, every other element stays as it is. The input can
# be a single number (a 0-dimensional tensor), a vector, a batch of vectors, or
# anything bigger, and the output has the same shape.
#
# Two things to keep in mind:
# - Return a new tensor; don't change the input tensor itself. Whoever called
#   you may still need it (autograd does, to compute gradients).
# - Gradients must flow through: if the input requires grad, so does the output.


def tensor_relu(input_tensor: t.Tensor) -> t.Tensor:
    return t.maximum(input_tensor, 0)


if __name__ == "__main__":
    test_input = t.tensor([
        [1.0, 2.0, -3.0],
        [4.0, -5.0, 6.0],
    ])
    print(tensor_relu(test_input))  # expect [[1, 2, 0], [4, 0, 6]]
