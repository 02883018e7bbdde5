# expect: net.layer_1 should have shape (400, 2000), but it has shape (2000, 400). It is transposed
# layer_1 is made (2000, 400), inputs first, instead of (400, 2000).
# %%
from dataclasses import dataclass

import einops
import torch as t
from jaxtyping import Float

# A higher-level way of thinking about a layer of a neural net: a linear function
# (an m x n matrix) plus a constant (the bias), followed by a non-linear function.
# Written with tensors, a whole batch of inputs goes through a layer at once.
#
# `apply_linear_function_to_input` comes from an earlier exercise and is given
# here as working code.


def apply_linear_function_to_input(
    linear_function: Float[t.Tensor, "d_output d_input"],
    input_to_function: Float[t.Tensor, "batch d_input"],
) -> Float[t.Tensor, "batch d_output"]:
    """Given here as working code."""
    return einops.einsum(linear_function, input_to_function, "d_output d_input, batch d_input -> batch d_output")


# %%
# Putting this together, a three-layer neural net is just six tensors, instead
# of one object per neuron.


@dataclass
class ThreeLayerNeuralNet:
    layer_0: Float[t.Tensor, "d_output_0 d_input"]
    layer_0_bias: Float[t.Tensor, "d_output_0"]
    layer_1: Float[t.Tensor, "d_output_1 d_output_0"]
    layer_1_bias: Float[t.Tensor, "d_output_1"]
    layer_2: Float[t.Tensor, "d_output_2 d_output_1"]
    layer_2_bias: Float[t.Tensor, "d_output_2"]


# Now a way of actually initializing the net.
#
# We are going to build a net that recognizes handwritten digits, so it has 10
# outputs. It goes from an input of dimension 784 to 2000 to 400 and finally to
# 10. That is:
#
# + d_input = 784
# + d_output_0 = 2000
# + d_output_1 = 400
# + d_output_2 = 10
#
# 784 is because our images are 28x28. The hidden sizes 2000 and 400 are chosen
# more or less arbitrarily; you'll see rules of thumb for sizing layers later.
#
# We use the usual matrix order of dimensions: a matrix of shape (m, n) takes an
# n-dimensional input to an m-dimensional output, so (2000, 784) takes 784
# inputs to 2000 outputs.
#
# Why random and small?
# - ReLU clamps values to 0, so weights that all start at 0 can leave gradients
#   stuck at 0 forever. We inject a little randomness to move weights a little
#   away from 0.
# - The bounds can't be too big either, or ReLU may bite us again and clamp
#   everything to 0 after a sign change somewhere.
# The bound 1/20 was picked semi-randomly (and checked to work). You'll see a
# more principled way of choosing it later.
#
# Every one of the six tensors must be a leaf tensor that requires grad, so that
# training can fill its `.grad` and update it. Making them needs
# `torch.no_grad()`: filling a tensor that requires grad in place is otherwise
# refused by PyTorch.


def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    """A fresh 784 -> 2000 -> 400 -> 10 net, every weight and bias uniform in ±1/20."""
    initial_bound = 1 / 20
    with t.no_grad():
        layer_0 = t.zeros((2000, 784), requires_grad=True).uniform_(-initial_bound, initial_bound)
        layer_0_bias = t.zeros(2000, requires_grad=True).uniform_(-initial_bound, initial_bound)
        layer_1 = t.zeros((2000, 400), requires_grad=True).uniform_(-initial_bound, initial_bound)
        layer_1_bias = t.zeros(400, requires_grad=True).uniform_(-initial_bound, initial_bound)
        layer_2 = t.zeros((10, 400), requires_grad=True).uniform_(-initial_bound, initial_bound)
        layer_2_bias = t.zeros(10, requires_grad=True).uniform_(-initial_bound, initial_bound)
    return ThreeLayerNeuralNet(
        layer_0=layer_0,
        layer_0_bias=layer_0_bias,
        layer_1=layer_1,
        layer_1_bias=layer_1_bias,
        layer_2=layer_2,
        layer_2_bias=layer_2_bias,
    )


if __name__ == "__main__":
    new_neural_net = initialize_new_three_layer_net()
    for name in ("layer_0", "layer_0_bias", "layer_1", "layer_1_bias", "layer_2", "layer_2_bias"):
        tensor = getattr(new_neural_net, name)
        print(f"{name:13} shape={tuple(tensor.shape)}  min={tensor.min():+.4f}  max={tensor.max():+.4f}")
