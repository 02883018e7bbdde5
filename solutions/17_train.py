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


# %%
# Now we can actually train our neural net!
#
# Training is nothing more than tuning the weights once, over and over: every
# call to `tune_weights_once` looks at the whole batch of inputs, measures the
# loss, and nudges all six tensors a little downhill.
#
# Your task: write `train`. It should
# 1. print the loss before training, as "Initial loss was ...",
# 2. call `tune_weights_once` exactly `number_of_iterations` times, showing a
#    tqdm progress bar while it runs,
# 3. print the loss after training, as "Final loss was ...".
# It trains `neural_net` in place and returns nothing.


def train(
    neural_net: ThreeLayerNeuralNet,
    inputs: t.Tensor,
    expected_outputs: t.Tensor,
    learning_rate: float,
    number_of_iterations: int,
) -> None:
    print(f"Initial loss was {loss_function(expected_outputs=expected_outputs, actual_outputs=forward(x=inputs, neural_net=neural_net))}")
    for _ in tqdm(range(number_of_iterations)):
        tune_weights_once(neural_net, inputs, expected_outputs, learning_rate)
    print(f"Final loss was {loss_function(expected_outputs=expected_outputs, actual_outputs=forward(x=inputs, neural_net=neural_net))}")


if __name__ == "__main__":
    from kata.feedback.plots import loss_curve

    # 100 made-up "images": each digit 0-9 gets its own random pattern of lit
    # pixels, and every image is its digit's pattern plus some noise. Watch the
    # loss fall as the net learns which pattern means which digit.
    new_neural_net = initialize_new_three_layer_net()
    answers = t.randint(0, 10, (100,))
    patterns = (t.rand((10, 784)) < 0.2).float()
    inputs = (patterns[answers] + 0.3 * t.rand((100, 784))).clamp(0, 1)
    expected_outputs = t.nn.functional.one_hot(answers, num_classes=10).float()

    # To draw the loss curve, note the loss after every step of training. `train`
    # calls `tune_weights_once` by its name, so giving that name to a function
    # that tunes once and then measures the loss lets us watch without changing
    # `train`.
    losses = []
    tune_once = tune_weights_once

    def tune_weights_once(neural_net, inputs, expected_outputs, learning_rate):
        tune_once(neural_net, inputs, expected_outputs, learning_rate)
        with t.no_grad():
            losses.append(loss_function(expected_outputs, forward(inputs, neural_net)).item())

    train(new_neural_net, inputs, expected_outputs, learning_rate=3, number_of_iterations=20)
    print(loss_curve(losses))
    accuracy = (forward(inputs, new_neural_net).argmax(dim=-1) == answers).float().mean()
    print(f"The net now names {accuracy:.0%} of these images correctly.")
