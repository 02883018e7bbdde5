# %%
import numpy as np
from kata.earlier import earlier

# The mean squared error between a prediction `input` and a `target` of the
# same shape: the square of each difference, then, by `reduction`, their mean
# ("mean", the default), their sum ("sum"), or each one as it is ("none").
# Any other reduction is PyTorch's ValueError: "<reduction> is not a valid
# value for reduction". The target usually does not require grad, but it may.
#
# Your task: `mse_loss(input, target, reduction="mean")`, differentiable.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Tensor = earlier("10").Tensor


def mse_loss(input, target, reduction="mean"):
    """The squared differences between input and target: their mean, their sum, or each one."""
    # TODO
    raise NotImplementedError("mse_loss: the squared differences, reduced as `reduction` says")


# %%
if __name__ == "__main__":
    prediction = Tensor([[0.5, 1.0], [2.0, -1.0]], requires_grad=True)
    target = Tensor([[0.0, 1.0], [1.0, 1.0]])
    loss = mse_loss(prediction, target)
    loss.backward()
    print("loss:", loss.item(), " grad:\n", prediction.grad)
    print("none:\n", mse_loss(prediction, target, reduction="none").data)
