# expect: `x.data = ...` replaces x's memory with a new tensor behind autograd's back
# expect: PyTorch discourages `.data`
# The values are right, but x.data is rebound to a new tensor instead of x being updated in place.
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


def loss_function(
    expected_outputs: Float[t.Tensor, "batch d_output"],
    actual_outputs: Float[t.Tensor, "batch d_output"],
) -> Float[t.Tensor, ""]:
    """Mean squared error: the mean over every element of the squared difference."""
    return ((expected_outputs - actual_outputs) ** 2).mean()


# %%
# Now we can use derivatives/gradients to iteratively nudge a tensor towards a
# minimum of a loss! The gradient points uphill, the way the loss grows fastest,
# so we move the tensor a little the other way: its gradient times the learning
# rate.
#
# The tensor must change IN PLACE. Python passes the function a reference to the
# caller's tensor. Mutating it through that reference (like `xs += [4]` on a
# list) changes the caller's tensor. Writing `x = x - ...` only points the local
# name `x` at a new tensor (like `xs = xs + [5]`): the caller's tensor stays as
# it was, and the new one is thrown away when the function returns:
#
#     x = [1, 2, 3]
#     def concat_a_list_v0(xs):
#         xs += [4]          # mutates the caller's list: x is now [1, 2, 3, 4]
#     def concat_a_list_v1(xs):
#         xs = xs + [5]      # rebinds the local name only: x is unchanged
#
# Do it under `t.no_grad()`: we are changing x using x's own gradient, and we
# don't want that change recorded for a later gradient; the only thing that
# should shape x's gradient is the loss. (PyTorch also refuses to change a leaf
# tensor that requires grad in place unless gradients are switched off.)


def nudge_tensor_towards_minimum(x: t.Tensor, learning_rate: float) -> None:
    """One step of gradient descent on `x`, in place: x moves against its gradient."""
    # t.no_grad(): we change x using x's gradient, and that change must not
    # itself be recorded for a later gradient; only the loss should shape x.grad.
    x.data = x.data - x.grad * learning_rate


if __name__ == "__main__":
    example_tensor = t.tensor([1.1, 2.2, 3.3])
    example_tensor.grad = t.tensor([0.1, 0.1, 0.1])
    nudge_tensor_towards_minimum(example_tensor, learning_rate=2)
    print(example_tensor)  # expect [0.9, 2.0, 3.1]
