# %%
import numpy as np
from kata.earlier import earlier

# The finale. The first course ended with SimpleNeuralNet, built from
# torch.nn and trained with torch.optim. Here it is again, and every class it
# uses is now yours: a Sequential of Linear(784, 2000), ReLU, Linear(2000, 400),
# ReLU, Linear(400, 10) and a Softmax over the last dimension. The sizes are
# arguments (those are the defaults), so that the checks can also build a
# small one.
#
# Your tasks:
# - `SimpleNeuralNet.__init__`: the model as `self.implementation`; forward
#   is given.
# - `train_model(model, inputs, expected_outputs, epochs, lr)`: full-batch
#   gradient descent with your SGD and mse_loss, one step per epoch; it
#   returns the list of the epochs' losses as floats, each one the loss
#   that its step's gradients came from.
# Loaded with the same initial weights as PyTorch's model, yours must follow
# PyTorch's loss curve step by step.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Linear = earlier("12").Linear
Module = earlier("11").Module
ReLU = earlier("13").ReLU
SGD = earlier("17").SGD
Sequential = earlier("14").Sequential
Softmax = earlier("13").Softmax
Tensor = earlier("10").Tensor
mse_loss = earlier("15").mse_loss
no_grad = earlier("10").no_grad  # not used below: the checks reach it through this file


class SimpleNeuralNet(Module):
    """The first course's model, on your own classes: three Linear layers, ReLUs, and a softmax."""

    def __init__(self, d_input=784, d_hidden_0=2000, d_hidden_1=400, d_output=10):
        super().__init__()
        # TODO
        raise NotImplementedError("SimpleNeuralNet.__init__: self.implementation, a Sequential of the six layers")

    def forward(self, x):
        return self.implementation(x)


def train_model(model, inputs, expected_outputs, epochs, lr):
    """Full-batch gradient descent with SGD and mse_loss; returns each epoch's loss, as floats."""
    # TODO
    raise NotImplementedError("train_model: one SGD step per epoch on the mse_loss, returning the losses")


# %%
if __name__ == "__main__":
    np.random.seed(0)
    labels = np.arange(200) % 10
    prototypes = np.random.rand(10, 64)  # ten made-up "digits" of 64 pixels, each seen with noise
    inputs = Tensor(prototypes[labels] + 0.3 * np.random.randn(200, 64))
    expected = Tensor(np.eye(10)[labels])
    model = SimpleNeuralNet(d_input=64, d_hidden_0=32, d_hidden_1=16, d_output=10)
    losses = train_model(model, inputs, expected, epochs=60, lr=10.0)
    print("loss every 10 epochs:", [round(loss, 4) for loss in losses[::10]])
