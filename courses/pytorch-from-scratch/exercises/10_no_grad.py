# %%
import numpy as np
from kata.earlier import earlier, extend

# Not every computation should be recorded. An optimizer's update, an
# accuracy on held-out data, the loss you print: none of them will ever be
# differentiated, and recording them costs memory and can wire old values
# into the next backward pass. PyTorch's `with torch.no_grad():` turns
# recording off inside the block and restores what it was afterwards, even
# when the block raises, and blocks may nest. `x.detach()` is x's values as a
# new leaf, cut off from the graph.
#
# Your tasks:
# - `is_grad_enabled()` and the context manager `no_grad` (as in
#   `with no_grad():`), around the module-level flag below;
# - `Tensor._result`, through which every operation makes its result: the
#   result records its parents and backward function, and requires grad,
#   only when grad mode is on and some parent requires grad; otherwise it is
#   a plain Tensor with no parents that does not require grad;
# - `Tensor.detach()`.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN (`@extend(Tensor)` adds the
# methods below to your Tensor).
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Tensor = earlier("09").Tensor


_grad_enabled = True  # whether operations record themselves for backward()


def is_grad_enabled():
    """Whether new results record their parents (False inside `with no_grad():`)."""
    # TODO
    raise NotImplementedError("is_grad_enabled: say whether operations record themselves right now")


class no_grad:
    """`with no_grad():` turns recording off inside the block, and back to what it was afterwards."""

    def __enter__(self):
        # TODO
        raise NotImplementedError("no_grad.__enter__: turn recording off, remembering what it was")

    def __exit__(self, *exc_info):
        # TODO
        raise NotImplementedError("no_grad.__exit__: put recording back to what it was before the block")


@extend(Tensor)
class Tensor:
    @staticmethod
    def _result(data, parents, backward):
        """The result of an operation: recorded only when grad mode is on and some parent requires grad."""
        # TODO
        raise NotImplementedError("Tensor._result: make the result Tensor, recording it only in grad mode")

    def detach(self):
        """The same values, as a new leaf that does not require grad."""
        # TODO
        raise NotImplementedError("Tensor.detach: the same values as a new leaf outside any graph")


# %%
if __name__ == "__main__":
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        doubled = w * 2
    print("under no_grad:", doubled, "requires_grad =", doubled.requires_grad)
    print("after the block:", (w * 2).requires_grad, " detached:", w.detach().requires_grad)
