# %%
import numpy as np
from kata.earlier import earlier

# An optimizer holds the parameters it updates. Stochastic gradient descent
# moves each one against its gradient: p = p - lr * p.grad, skipping any
# parameter whose .grad is None (it took no part in the loss), as
# torch.optim.SGD does. The update changes the parameter's values: the
# Parameter objects stay the ones the model holds, and the update itself is
# not an operation to record in any graph. `zero_grad()` sets every
# parameter's .grad to None. `params` may be any iterable, such as what
# model.parameters() returns (perhaps a generator, which can be read only
# once), and step() runs many times.
#
# Your task: `SGD(params, lr)`, with `step()` and `zero_grad()`.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Parameter = earlier("11").Parameter


class SGD:
    """Stochastic gradient descent: each step moves every parameter against its gradient."""

    def __init__(self, params, lr):
        # TODO
        raise NotImplementedError("SGD.__init__: keep the parameters and the learning rate")

    def step(self):
        # TODO
        raise NotImplementedError("SGD.step: move every parameter that has a gradient against it")

    def zero_grad(self):
        # TODO
        raise NotImplementedError("SGD.zero_grad: clear every parameter's gradient")


# %%
if __name__ == "__main__":
    w = Parameter([3.0, -2.0])
    optimizer = SGD([w], lr=0.1)
    for step in range(5):
        optimizer.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}, w {w.data}")
