# expect: This softmax does not say over which dimension to normalise
# expect: Name it: dim=-1
# The softmax leaves its dim out: PyTorch guesses dim=1, right for a batch, with a deprecation warning.
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


def tensor_relu(input_tensor: t.Tensor) -> t.Tensor:
    """ReLU on every element of a tensor of any shape."""
    return t.maximum(input_tensor, t.zeros_like(input_tensor))


# %%
# Now a version of `forward` that works with tensors. Our input tensor is a whole
# batch of inputs, one per row, not just a single input!
#
# Each of the first two layers is: apply the layer's matrix to the input, add the
# layer's bias, then ReLU. The output of one layer is the input of the next.
#
# The last layer uses a softmax instead of a ReLU. Softmax turns a vector into
# numbers between 0 and 1 that sum to 1. This helps with stability in training and
# lets us read each of the 10 components of our output as a probability. Each row
# of the output is one input's answer, so each row should sum to 1: take the
# softmax over the last dimension, not over the batch. See
# https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html


def forward(x: Float[t.Tensor, "batch d_input"], neural_net: ThreeLayerNeuralNet) -> Float[t.Tensor, "batch d_output"]:
    """Three layers: linear + bias + ReLU twice, then linear + bias + softmax over each row."""
    after_layer_0 = tensor_relu(apply_linear_function_to_input(neural_net.layer_0, x) + neural_net.layer_0_bias)
    after_layer_1 = tensor_relu(apply_linear_function_to_input(neural_net.layer_1, after_layer_0) + neural_net.layer_1_bias)
    # Instead of doing a ReLU at the very end, we use softmax
    after_layer_2 = t.nn.functional.softmax(
        apply_linear_function_to_input(neural_net.layer_2, after_layer_1) + neural_net.layer_2_bias
    )
    return after_layer_2


if __name__ == "__main__":
    new_neural_net = initialize_new_three_layer_net()
    example_output = forward(neural_net=new_neural_net, x=t.ones((10, 784)))
    print(f"{example_output=}")
    # backward() needs a scalar (a 0-dim tensor), such as a loss; example_output
    # is not one. Here we take the sum of the first column (summing everything
    # would give 10, whatever the weights, since each row sums to 1). Then the
    # gradient reaches the net's tensors.
    example_output[:, 0].sum().backward()
    print(f"{new_neural_net.layer_0.grad=}")
