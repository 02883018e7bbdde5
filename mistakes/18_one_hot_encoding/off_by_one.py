# expect: has its 1 at position 1, not 2: position i holds the 1, and positions count from 0
# Counting labels from 1 puts the 1 one place too early.
# %%
from dataclasses import dataclass

import einops
import torch as t
from jaxtyping import Float
from tqdm import tqdm

# The pieces of the three-layer net built in earlier exercises, given here as
# working code.


def apply_linear_function_to_input(
    linear_function: Float[t.Tensor, "d_output d_input"],
    input_to_function: Float[t.Tensor, "batch d_input"],
) -> Float[t.Tensor, "batch d_output"]:
    """Given here as working code."""
    return einops.einsum(linear_function, input_to_function, "d_output d_input, batch d_input -> batch d_output")


@dataclass
class ThreeLayerNeuralNet:
    layer_0: Float[t.Tensor, "d_output_0 d_input"]
    layer_0_bias: Float[t.Tensor, "d_output_0"]
    layer_1: Float[t.Tensor, "d_output_1 d_output_0"]
    layer_1_bias: Float[t.Tensor, "d_output_1"]
    layer_2: Float[t.Tensor, "d_output_2 d_output_1"]
    layer_2_bias: Float[t.Tensor, "d_output_2"]


def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    """A fresh 784 -> 2000 -> 400 -> 10 net, every weight and bias uniform in ±1/20. Given here as working code."""
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
    """Given here as working code."""
    return t.maximum(input_tensor, t.zeros_like(input_tensor))


def forward(x: Float[t.Tensor, "batch d_input"], neural_net: ThreeLayerNeuralNet) -> Float[t.Tensor, "batch d_output"]:
    """Two ReLU layers, then a softmax layer. Given here as working code."""
    after_layer_0 = tensor_relu(apply_linear_function_to_input(neural_net.layer_0, x) + neural_net.layer_0_bias)
    after_layer_1 = tensor_relu(apply_linear_function_to_input(neural_net.layer_1, after_layer_0) + neural_net.layer_1_bias)
    return t.nn.functional.softmax(
        apply_linear_function_to_input(neural_net.layer_2, after_layer_1) + neural_net.layer_2_bias, dim=-1
    )


def zero_all_gradients(neural_net: ThreeLayerNeuralNet) -> None:
    """Given here as working code."""
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
    """The mean squared error. Given here as working code."""
    return ((expected_outputs - actual_outputs) ** 2).mean()


def nudge_tensor_towards_minimum(x: t.Tensor, learning_rate: float) -> None:
    """One step of gradient descent on x, in place. Given here as working code."""
    with t.no_grad():
        x -= x.grad * learning_rate


def tune_weights_once(
    neural_net: ThreeLayerNeuralNet,
    inputs: Float[t.Tensor, "batch d_input"],
    expected_outputs: Float[t.Tensor, "batch d_output"],
    learning_rate: float,
) -> None:
    """Zero the gradients, run forward, compute the loss, backward, nudge every tensor. Given here as working code."""
    zero_all_gradients(neural_net)
    outputs = forward(inputs, neural_net)
    loss = loss_function(expected_outputs=expected_outputs, actual_outputs=outputs)
    loss.backward()
    nudge_tensor_towards_minimum(neural_net.layer_0, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_0_bias, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_1, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_1_bias, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_2, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_2_bias, learning_rate)


# Training: tune the weights once, over and over, on the whole batch.


def train(
    neural_net: ThreeLayerNeuralNet,
    inputs: t.Tensor,
    expected_outputs: t.Tensor,
    learning_rate: float,
    number_of_iterations: int,
) -> None:
    """Print the initial loss, tune the weights number_of_iterations times, print the final loss. Given here as working code."""
    print(f"Initial loss was {loss_function(expected_outputs=expected_outputs, actual_outputs=forward(x=inputs, neural_net=neural_net))}")
    for _ in tqdm(range(number_of_iterations)):
        tune_weights_once(neural_net, inputs, expected_outputs, learning_rate)
    print(f"Final loss was {loss_function(expected_outputs=expected_outputs, actual_outputs=forward(x=inputs, neural_net=neural_net))}")


# %%
# Before we can train on real handwritten digits, there's one last thing to do.
# Our images come labeled with the digit they are meant to show, but a label is
# a single number, whereas our neural net outputs 10 components.
#
# So we have to translate a number into a 10-component vector. E.g. if 2 is the
# correct answer, the ideal answer from our neural net would be
# [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]: probability 1 for the digit 2 and 0 for every
# other digit.
#
# This translation is called a "one-hot encoding". Let's implement it!
#
# Your task: implement `one_hot_encoding`. It returns a float tensor of shape
# (num_classes,) that is 1.0 at position i and 0.0 everywhere else. An i that is
# not a valid position (i >= num_classes) is an error, not a vector of zeros.


def one_hot_encoding(i: int, num_classes: int) -> t.Tensor:
    result = t.zeros([num_classes])
    result[i - 1] = 1
    return result


if __name__ == "__main__":
    for digit in range(10):
        print(digit, one_hot_encoding(digit, num_classes=10))
