# expect: you took the mean of the absolute differences; square them instead
# The differences are made positive with abs() instead of being squared.
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


def forward(x: Float[t.Tensor, "batch d_input"], neural_net: ThreeLayerNeuralNet) -> Float[t.Tensor, "batch d_output"]:
    """Three layers: linear + bias + ReLU twice, then linear + bias + softmax over each row."""
    after_layer_0 = tensor_relu(apply_linear_function_to_input(neural_net.layer_0, x) + neural_net.layer_0_bias)
    after_layer_1 = tensor_relu(apply_linear_function_to_input(neural_net.layer_1, after_layer_0) + neural_net.layer_1_bias)
    # Instead of doing a ReLU at the very end, we use softmax
    after_layer_2 = t.nn.functional.softmax(
        apply_linear_function_to_input(neural_net.layer_2, after_layer_1) + neural_net.layer_2_bias, dim=-1
    )
    return after_layer_2


def zero_all_gradients(neural_net: ThreeLayerNeuralNet) -> None:
    """Clears the gradient of all six tensors, so the next backward() starts fresh."""
    neural_net.layer_0.grad = None
    neural_net.layer_0_bias.grad = None
    neural_net.layer_1.grad = None
    neural_net.layer_1_bias.grad = None
    neural_net.layer_2.grad = None
    neural_net.layer_2_bias.grad = None


# %%
# Now the simplest loss function out there, the mean squared error
# (https://en.wikipedia.org/wiki/Mean_squared_error): square the difference
# between every component of the two tensors, and take the mean of them all.
#
# The result is a single number, a 0-dimensional tensor, and it must still be a
# tensor connected to its inputs: calling .backward() on it is how training gets
# the gradients of the net.


def loss_function(
    expected_outputs: Float[t.Tensor, "batch d_output"],
    actual_outputs: Float[t.Tensor, "batch d_output"],
) -> Float[t.Tensor, ""]:
    return (expected_outputs - actual_outputs).abs().mean()


if __name__ == "__main__":
    expected = t.tensor([[1.0, 0.0], [0.0, 1.0]])
    actual = t.tensor([[0.5, 0.5], [0.0, 1.0]])
    print(loss_function(expected_outputs=expected, actual_outputs=actual))  # expect 0.125
