# %%
import numpy as np
from kata.earlier import earlier

# Plain SGD zigzags across narrow valleys and crawls along shallow ones.
# Momentum keeps a running velocity for each parameter, its "momentum
# buffer", and steps along it: directions that persist speed up, oscillations
# cancel out. torch.optim.SGD does, for each parameter p whose gradient g is
# not None, in this order:
#   g = g + weight_decay * p                    (when weight_decay is not 0)
#   buf = g                                     (at p's first step)
#   buf = momentum * buf + (1 - dampening) * g  (at every later step)
#   g = buf                                     (when momentum is not 0)
#   p = p - lr * g
# The first step starts the buffer at the gradient itself: neither momentum
# nor dampening touches it yet.
#
# Your task: `SGD` gains `momentum`, `dampening` and `weight_decay`, each 0 by
# default, and must match torch.optim.SGD step by step.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Parameter = earlier("11").Parameter
Tensor = earlier("10").Tensor


class SGD:
    """Stochastic gradient descent, with momentum, dampening and weight decay as torch.optim.SGD has them."""

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0):
        # TODO
        raise NotImplementedError("SGD.__init__: keep the parameters, the settings, and room for momentum buffers")

    def step(self):
        # TODO
        raise NotImplementedError("SGD.step: weight decay, the momentum buffer, then the update, as torch.optim.SGD")

    def zero_grad(self):
        # TODO
        raise NotImplementedError("SGD.zero_grad: clear every parameter's gradient")


# %%
if __name__ == "__main__":
    # A long, narrow valley: steep across (x 50), shallow along. Plain SGD crawls along it; momentum speeds up.
    for momentum in (0.0, 0.9):
        w = Parameter([1.0, 1.0])
        optimizer = SGD([w], lr=0.005, momentum=momentum)
        for step in range(100):
            optimizer.zero_grad()
            loss = (w**2 * Tensor([1.0, 50.0])).sum()
            loss.backward()
            optimizer.step()
        print(f"momentum {momentum}: loss after 100 steps {loss.item():.2e}")
