# expect: `actual_outputs` should be batch × d_output, got 12 × 3 (d_output is 6 here)
# The loss compares the net's outputs with its inputs instead of with the expected outputs.
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


def nudge_tensor_towards_minimum(x: t.Tensor, learning_rate: float) -> None:
    """One step of gradient descent on `x`, in place: x moves against its gradient."""
    # t.no_grad(): we change x using x's gradient, and that change must not
    # itself be recorded for a later gradient; only the loss should shape x.grad.
    with t.no_grad():
        x -= x.grad * learning_rate


# %%
# Finally we put all this together in a function that performs one iteration of
# tuning the weights of the net in training. It does the following steps:
#
# 1. Zero all our gradients (using `zero_all_gradients`)
# 2. Calculate the outputs our neural net produces (using `forward`)
# 3. Compare those outputs against `expected_outputs` to calculate our loss
#    (using `loss_function`)
# 4. Adjust every one of our neural net's six tensors
#    (using `nudge_tensor_towards_minimum`)
#
# Reminder: the gradients only exist once you call `.backward()` on the right
# value!


def tune_weights_once(
    neural_net: ThreeLayerNeuralNet,
    inputs: Float[t.Tensor, "batch d_input"],
    expected_outputs: Float[t.Tensor, "batch d_output"],
    learning_rate: float,
) -> None:
    zero_all_gradients(neural_net)
    outputs = forward(inputs, neural_net)
    loss = loss_function(expected_outputs=inputs, actual_outputs=outputs)
    loss.backward()
    nudge_tensor_towards_minimum(neural_net.layer_0, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_0_bias, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_1, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_1_bias, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_2, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_2_bias, learning_rate)


if __name__ == "__main__":
    new_neural_net = initialize_new_three_layer_net()
    inputs = t.rand((32, 784))
    expected_outputs = t.nn.functional.one_hot(t.randint(0, 10, (32,)), num_classes=10).float()
    for step in range(8):
        loss = loss_function(expected_outputs, forward(inputs, new_neural_net))
        print(f"step {step}: loss {loss.item():.5f}")
        tune_weights_once(new_neural_net, inputs, expected_outputs, learning_rate=2)
