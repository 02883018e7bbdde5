# %%
import numpy as np
from kata.earlier import earlier

# Time to read real handwriting. `kata.data.load_mnist()` gives MNIST's
# (image, label) pairs, each image a torch tensor of shape (1, 28, 28) with
# values in [0, 1] and each label an int; without a network connection it
# falls back to scikit-learn's handwritten digits, scaled to the same size.
# Your network takes NumPy, so:
# - `dataset_to_arrays(dataset, count)`: the first `count` pairs as a float64
#   array of flattened images, shape (count, 784), in the dataset's order,
#   and an int array of their labels, shape (count,);
# - `one_hot(labels, num_classes=10)`: a float64 array of shape
#   (len(labels), num_classes), each row all zeros but a 1 at its label;
# - `accuracy(model, images, labels)`: the fraction (a float) of the images
#   whose largest output is at their label. Measuring is not training: it
#   records no graph.
# The demo (`python exercises/19_digits.py`) trains on a few thousand digits
# and prints the accuracy on digits the model never saw; chance is 10%.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
SimpleNeuralNet = earlier("18").SimpleNeuralNet
Tensor = earlier("10").Tensor
no_grad = earlier("10").no_grad
train_model = earlier("18").train_model
# Not used below: the checks reach these through this file.
Module, Parameter = earlier("11").Module, earlier("11").Parameter
is_grad_enabled = earlier("10").is_grad_enabled


def dataset_to_arrays(dataset, count):
    """The first `count` (image, label) pairs as (float64 images of shape (count, 784), int labels of shape (count,))."""
    # TODO
    raise NotImplementedError("dataset_to_arrays: the first `count` images, flattened, and their labels, as arrays")


def one_hot(labels, num_classes=10):
    """A row per label: zeros, with a 1 at the label."""
    # TODO
    raise NotImplementedError("one_hot: a row of zeros per label, with a 1 at the label")


def accuracy(model, images, labels):
    """The fraction of images whose largest output is at their label."""
    # TODO
    raise NotImplementedError("accuracy: the fraction of images the model labels right, without recording a graph")


# %%
if __name__ == "__main__":
    from kata.data import load_mnist, render_digit

    np.random.seed(0)
    loaded = load_mnist()
    if loaded.notice:
        print(loaded.notice)
    images, labels = dataset_to_arrays(loaded.dataset, 1500)
    train_x, train_y = Tensor(images[:1300]), Tensor(one_hot(labels[:1300]))
    test_x, test_y = Tensor(images[1300:]), labels[1300:]
    model = SimpleNeuralNet(d_hidden_0=64, d_hidden_1=32)  # smaller than the seed's, so that NumPy trains it in seconds
    print(f"held-out accuracy before training: {accuracy(model, test_x, test_y):.1%} (chance is 10%)")
    for round_ in range(6):
        losses = train_model(model, train_x, train_y, epochs=25, lr=8.0)
        print(f"after {25 * (round_ + 1)} epochs: loss {losses[-1]:.4f}, "
              f"held-out accuracy {accuracy(model, test_x, test_y):.1%}")
    print(render_digit(images[1300].reshape(28, 28)))
    with no_grad():
        guess = int(model(Tensor(images[1300:1301])).data.argmax())
    print(f"the model reads this as {guess}; its label is {labels[1300]}")
