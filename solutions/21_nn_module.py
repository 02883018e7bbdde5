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


# One-hot encoding: label i becomes a float vector with a single 1 at position i.


def one_hot_encoding(i: int, num_classes: int) -> t.Tensor:
    """Given here as working code."""
    result = t.zeros([num_classes])
    result[i] = 1
    return result


# Flattening: the last two dimensions (height, width) merge into one, row by row.


def make_img_1d(imgs: t.Tensor) -> t.Tensor:
    """Given here as working code."""
    return einops.rearrange(imgs, "... h w -> ... (h w)")


# %%
# Splitting a dataset of (img, label) pairs into flat training images with
# one-hot expected outputs, and the same for held-out images; and measuring the
# accuracy of a ThreeLayerNeuralNet. Given here as working code.


def split_dataset(
    dataset, total_imgs: int, num_of_training_imgs: int
) -> tuple[t.Tensor, t.Tensor, t.Tensor, t.Tensor]:
    """The first total_imgs pairs, flattened and one-hot encoded: (training_imgs, expected_outputs_in_training,
    non_training_imgs, expected_outputs_in_non_training). Given here as working code."""
    training_imgs = []
    expected_outputs_in_training = []
    non_training_imgs = []
    expected_outputs_in_non_training = []
    counter = 0
    for img, label in dataset:
        if counter >= total_imgs:
            break
        if counter < num_of_training_imgs:
            training_imgs.append(make_img_1d(img).squeeze())
            expected_outputs_in_training.append(one_hot_encoding(label, num_classes=10))
        else:
            non_training_imgs.append(make_img_1d(img).squeeze())
            expected_outputs_in_non_training.append(one_hot_encoding(label, num_classes=10))
        counter += 1
    return (
        t.stack(training_imgs),
        t.stack(expected_outputs_in_training),
        t.stack(non_training_imgs),
        t.stack(expected_outputs_in_non_training),
    )


def accuracy(neural_net: ThreeLayerNeuralNet, imgs: t.Tensor, labels: t.Tensor) -> float:
    """The fraction of imgs whose highest output is the right label. Given here as working code."""
    with t.no_grad():
        guesses = forward(imgs, neural_net).argmax(dim=-1)
    return (guesses == labels).float().mean().item()


def show_guess(neural_net: ThreeLayerNeuralNet, img: t.Tensor, expected_output: t.Tensor) -> None:
    """Draw one flat image in the terminal, with its label and the net's guess. Given here as working code."""
    from kata.data import render_digit

    print(render_digit(einops.rearrange(img, "(h w) -> h w", h=28)))
    guess = forward(img.unsqueeze(dim=0), neural_net).argmax()
    print(f"Expected label: {expected_output.argmax()}    Model guessed this was: {guess}")


# %%
# Here's how we could write the same model using PyTorch's own building blocks.
# In two days you will have implemented every PyTorch function and class used
# here from scratch!
#
# A `t.nn.Module` holds its layers as attributes; PyTorch then finds all their
# weights and biases for us (`model.parameters()`), so there is no
# `zero_all_gradients` or `nudge_tensor_towards_minimum` to write by hand.
# `t.nn.Linear(in_features, out_features)` is one of our layers: a weight matrix
# of shape (out_features, in_features) plus a bias. `t.nn.ReLU()` and
# `t.nn.Softmax(dim=-1)` are our non-linear functions, and `t.nn.Sequential`
# chains modules, feeding each one's output to the next.
#
# Your task: in `SimpleNeuralNet.__init__`, set `self.implementation` to a
# `t.nn.Sequential` that does what `forward` did for our ThreeLayerNeuralNet:
# 784 -> 2000, ReLU, 2000 -> 400, ReLU, 400 -> 10, softmax over the last
# dimension.


class SimpleNeuralNet(t.nn.Module):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.implementation = t.nn.Sequential(
            t.nn.Linear(in_features=784, out_features=2000),
            t.nn.ReLU(),
            t.nn.Linear(in_features=2000, out_features=400),
            t.nn.ReLU(),
            t.nn.Linear(in_features=400, out_features=10),
            t.nn.Softmax(dim=-1),
        )

    def forward(self, t: t.Tensor):
        return self.implementation(t)


# %%
# And the training loop, with an optimizer doing the nudging: `t.optim.SGD`
# (stochastic gradient descent) is given the model's parameters and a learning
# rate, and from then on updates them for us. Each epoch is one step of
# training on all the inputs at once, like tune_weights_once:
# 1. compute the model's outputs,
# 2. compute the loss: the mean squared error against `expected_outputs` (for
#    those who are confused why we use MSE loss for a classification task, see
#    https://arxiv.org/abs/2006.07322),
# 3. reset the gradients, as zero_all_gradients did: the optimizer can do it,
# 4. backward,
# 5. let the optimizer nudge every parameter.
# Show a tqdm progress bar over the epochs; print the loss of the first epoch as
# "Initial loss: ..." and of the last epoch as "Final loss: ...".
#
# (The original notes call this function `train` and read the training images
# from global variables. Here it is `train_model`, so that it does not replace
# our earlier `train`, and it takes the data as arguments.)
#
# Your task: implement `train_model`. It trains `model` in place.


def train_model(model: t.nn.Module, inputs: t.Tensor, expected_outputs: t.Tensor, epochs: int, lr: float) -> None:
    optimizer = t.optim.SGD(model.parameters(), lr=lr)
    for epoch in tqdm(range(epochs)):
        output = model(inputs)
        # For those who are confused why we use MSE loss here for a
        # classification task, see https://arxiv.org/abs/2006.07322
        loss = t.nn.functional.mse_loss(output, expected_outputs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch == 0:
            print(f"Initial loss: {loss=}")
        if epoch == epochs - 1:  # not elif: with one epoch, it is the first and the last
            print(f"Final loss: {loss=}")


if __name__ == "__main__":
    from kata.data import load_mnist
    from kata.feedback.plots import digits_with_guesses, loss_curve

    loaded = load_mnist()
    if loaded.notice:
        print(loaded.notice)
    training_imgs, expected_outputs_in_training, non_training_imgs, expected_outputs_in_non_training = split_dataset(
        loaded.dataset, total_imgs=2000, num_of_training_imgs=1000
    )
    non_training_labels = expected_outputs_in_non_training.argmax(dim=-1)

    model = SimpleNeuralNet()
    # To draw the loss curve, a forward hook: PyTorch calls it after each forward
    # pass of the model, with what came out. During training that is one pass per
    # epoch, over all the training images.
    losses = []

    def note_loss(module, inputs, output):
        losses.append(t.nn.functional.mse_loss(output, expected_outputs_in_training).item())

    hook = model.register_forward_hook(note_loss)
    train_model(model, training_imgs, expected_outputs_in_training, epochs=100, lr=10)
    hook.remove()  # from here on, the model runs on other images
    print(loss_curve(losses, x_label="epoch"))

    # Let's look at a few images that weren't part of the training data.
    with t.no_grad():
        guesses = model(non_training_imgs[:8]).argmax(dim=-1)
        held_out_accuracy = (model(non_training_imgs).argmax(dim=-1) == non_training_labels).float().mean()
    print(digits_with_guesses(non_training_imgs[:8], non_training_labels[:8], guesses))
    print(f"Accuracy on digits it never trained on: {held_out_accuracy:.1%}")
