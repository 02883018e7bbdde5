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
# Time for real handwritten digits: MNIST, tens of thousands of 28x28 images of
# the digits 0 to 9, each labeled with the digit it is meant to show.
#
# `kata.data.load_mnist()` loads them through torchvision's MNIST class (see the
# demo at the bottom of this file). Like `MNIST(..., transform=ToTensor())`, the
# dataset it gives is a sequence of (img, label) pairs: img is a float tensor of
# shape (1, 28, 28) with values from 0 to 1, and label is an int from 0 to 9.
#
# Our net wants a batch of flat images, (batch, 784), and a batch of one-hot
# expected outputs, (batch, 10). We also keep some images out of training, so we
# can later test the net on digits it has never seen.
#
# This is an inefficient way of getting data from a dataset (you'll see better
# ways later), but it shows how we use our one-hot encoding and 1d flattening.
#
# Your task: implement `split_dataset`. Go through the dataset in order, taking
# only the first `total_imgs` pairs (stop there: MNIST is large). The first
# `num_of_training_imgs` of them are for training, the rest are not. Return four
# stacked tensors:
#   training_imgs                     (num_of_training_imgs, 784)
#   expected_outputs_in_training      (num_of_training_imgs, 10), one-hot
#   non_training_imgs                 (total_imgs - num_of_training_imgs, 784)
#   expected_outputs_in_non_training  (total_imgs - num_of_training_imgs, 10), one-hot
# A dataset with fewer than `total_imgs` pairs gives as many as it has. You may
# assume that there is at least one pair for each side.


def split_dataset(
    dataset, total_imgs: int, num_of_training_imgs: int
) -> tuple[t.Tensor, t.Tensor, t.Tensor, t.Tensor]:
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


# %%
# How good is a net? The share of images whose digit it guesses right: its
# accuracy. The net's guess for an image is the digit with the highest of its 10
# output probabilities.
#
# Your task: implement `accuracy`. `imgs` is a batch of flat images (batch, 784)
# and `labels` holds the right digits as integers, shape (batch,) (from one-hot
# expected outputs, that is `expected_outputs.argmax(dim=-1)`). Return the
# fraction of images the net gets right, as a float from 0.0 to 1.0.


def accuracy(neural_net: ThreeLayerNeuralNet, imgs: t.Tensor, labels: t.Tensor) -> float:
    with t.no_grad():
        guesses = forward(imgs, neural_net).argmax(dim=-1)
    return (guesses == labels).float().mean().item()


def show_guess(neural_net: ThreeLayerNeuralNet, img: t.Tensor, expected_output: t.Tensor) -> None:
    """Draw one flat image in the terminal, with its label and the net's guess. Given here as working code."""
    from kata.data import render_digit

    print(render_digit(einops.rearrange(img, "(h w) -> h w", h=28)))
    guess = forward(img.unsqueeze(dim=0), neural_net).argmax()
    print(f"Expected label: {expected_output.argmax()}    Model guessed this was: {guess}")


if __name__ == "__main__":
    from kata.data import load_mnist
    from kata.feedback.plots import digits_with_guesses, loss_curve

    loaded = load_mnist()
    if loaded.notice:
        print(loaded.notice)
    training_imgs, expected_outputs_in_training, non_training_imgs, expected_outputs_in_non_training = split_dataset(
        loaded.dataset, total_imgs=2000, num_of_training_imgs=1000
    )
    print(f"{training_imgs.shape=}  {non_training_imgs.shape=}")
    non_training_labels = expected_outputs_in_non_training.argmax(dim=-1)

    # Our neural net starts out with garbage predictions.
    new_neural_net = initialize_new_three_layer_net()
    show_guess(new_neural_net, non_training_imgs[0], expected_outputs_in_non_training[0])
    print(f"Accuracy on digits it never trained on: {accuracy(new_neural_net, non_training_imgs, non_training_labels):.1%}")

    # To draw the loss curve, note the loss after every step of training: `train`
    # calls `tune_weights_once` by its name, so this function, given that name,
    # tunes once and then measures the loss.
    losses = []
    tune_once = tune_weights_once

    def tune_weights_once(neural_net, inputs, expected_outputs, learning_rate):
        tune_once(neural_net, inputs, expected_outputs, learning_rate)
        with t.no_grad():
            losses.append(loss_function(expected_outputs, forward(inputs, neural_net)).item())

    # Now let's train it! A learning rate of 10 is usually much too high, but
    # we've made some sub-optimal choices in designing our net (softmax with a
    # squared-error loss gives small gradients). The blurrier fallback digits
    # overshoot at 10, so they get 3.
    train(
        neural_net=new_neural_net,
        inputs=training_imgs,
        expected_outputs=expected_outputs_in_training,
        learning_rate=3 if loaded.source == "scikit-learn digits" else 10,
        number_of_iterations=100,
    )
    print(loss_curve(losses))

    # And let's try again, on a few digits it never trained on.
    with t.no_grad():
        guesses = forward(non_training_imgs[:8], new_neural_net).argmax(dim=-1)
    print(digits_with_guesses(non_training_imgs[:8], non_training_labels[:8], guesses))
    print(f"Accuracy on digits it never trained on: {accuracy(new_neural_net, non_training_imgs, non_training_labels):.1%}")
