# %%
import numpy as np
from kata.earlier import earlier

# `Linear(in_features, out_features)` maps a batch x of shape
# (batch, in_features) to x @ weight.T + bias, of shape (batch, out_features).
# As in PyTorch, `weight` has shape (out_features, in_features), one row per
# output, so PyTorch's weights load into it as they are, and `bias` has shape
# (out_features,). Both start uniform in [-1/sqrt(in_features),
# 1/sqrt(in_features)], as PyTorch initialises them: that bound keeps the
# outputs in about the same range whatever the number of inputs. Draw them
# from NumPy's global generator (np.random), so that seeding it makes a model
# reproducible. `bias=False` leaves the bias out: the attribute is None.
#
# Your task: `Linear`, a Module with the Parameters `weight` and `bias`.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Module = earlier("11").Module
Parameter = earlier("11").Parameter
Tensor = earlier("10").Tensor


class Linear(Module):
    """x @ weight.T + bias, with weight (out_features, in_features) and bias (out_features,)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        bound = 1 / np.sqrt(in_features)
        self.weight = Parameter(np.random.uniform(-bound, bound, (out_features, in_features)))
        self.bias = Parameter(np.random.uniform(-bound, bound, out_features)) if bias else None

    def forward(self, x):
        out = x @ self.weight.T
        return out + self.bias if self.bias is not None else out


# %%
if __name__ == "__main__":
    layer = Linear(3, 2)
    x = Tensor(np.ones((4, 3)))
    out = layer(x)
    out.sum().backward()
    print("weight:", layer.weight.shape, " bias:", layer.bias.shape, " out:", out.shape)
    print("weight.grad:\n", layer.weight.grad)
