# %%
import numpy as np
from kata.earlier import earlier

# PyTorch organises models as Modules. A Module's trainable Tensors are
# Parameters, and it finds them from the attributes you set, not from a list
# you keep: `self.weight = Parameter(...)` registers a parameter, and
# `self.layer = SomeModule()` registers a submodule, whose parameters are the
# Module's too. That is how `model.parameters()` hands an optimizer every
# weight of a deep model, and `model.zero_grad()` clears them all.
#
# Your tasks:
# - `Parameter`: a Tensor that requires grad unless told otherwise.
# - `Module.__setattr__`: setting a Parameter or a Module registers it under
#   its name, in the order names are first set; setting a registered name
#   again replaces the entry where it was; setting it to anything else (a
#   plain Tensor, a number, None) takes it out of the registry. The attribute
#   itself is always set.
# - `Module.parameters()`: the Module's own parameters in registration order,
#   then each submodule's (recursively), in registration order; a list or a
#   generator. Each Parameter comes once, where it is first met, even when it
#   is set under two names (tied weights, or one layer used twice), as in
#   torch.nn: an optimizer would otherwise step it twice.
# - calling a Module runs its `forward` with the same arguments; and
# - `Module.zero_grad()` sets the .grad of every parameter, however deep, to None.
#
# This file holds only what is new here: the rest is your own code from earlier
# exercises, which `earlier("NN")` imports from your file NN.
# kata's checks run this file with the reference solutions of the earlier exercises, so
# it passes on its own merits, then once more with yours, and say so if one of yours
# breaks it. Run on its own, it uses yours.


# %%
Tensor = earlier("10").Tensor


class Parameter(Tensor):
    """A Tensor that a Module trains: it requires grad unless told otherwise."""

    def __init__(self, data, requires_grad=True):
        # TODO
        raise NotImplementedError("Parameter.__init__: a Tensor that requires grad by default")


class Module:
    """The base of every model and layer: it finds its Parameters and submodules from its attributes."""

    def __init__(self):
        # object.__setattr__ skips our own __setattr__ below, which needs these two to exist.
        object.__setattr__(self, "_parameters", {})  # name -> Parameter, in registration order
        object.__setattr__(self, "_modules", {})  # name -> Module, in registration order

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __setattr__(self, name, value):
        """self.name = value, registering a Parameter or a Module under its name."""
        # TODO
        raise NotImplementedError("Module.__setattr__: set the attribute, registering Parameters and Modules by name")

    def parameters(self):
        """Every Parameter: this Module's own in registration order, then each submodule's, recursively."""
        # TODO
        raise NotImplementedError("Module.parameters: this Module's parameters, then its submodules', in order")

    def __call__(self, *args, **kwargs):
        # TODO
        raise NotImplementedError("Module.__call__: calling a Module runs its forward")

    def zero_grad(self):
        """Clears the gradient of every parameter, submodules' included."""
        # TODO
        raise NotImplementedError("Module.zero_grad: clear the .grad of every parameter, however deep")


# %%
if __name__ == "__main__":

    class Scale(Module):
        def __init__(self):
            super().__init__()
            self.factor = Parameter([2.0])

        def forward(self, x):
            return x * self.factor

    class Twice(Module):
        def __init__(self):
            super().__init__()
            self.offset = Parameter([0.5])
            self.first = Scale()
            self.second = Scale()

        def forward(self, x):
            return self.second(self.first(x)) + self.offset

    model = Twice()
    out = model(Tensor([1.0, 3.0]))
    out.sum().backward()
    print("out:", out.data, " parameters:", [p.data.tolist() for p in model.parameters()])
    print("grads:", [p.grad.tolist() for p in model.parameters()])
    model.zero_grad()
    print("after zero_grad:", [p.grad for p in model.parameters()])
