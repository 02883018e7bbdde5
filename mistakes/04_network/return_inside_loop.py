# expect: Is your `return` inside the loop?
# The return is indented into the loop, so only the first layer runs.
# %%
from dataclasses import dataclass

# A network is a list of layers, run one after another: the first layer gets
# the network's inputs, and every later layer gets the outputs of the layer
# before it. What the last layer outputs is what the network outputs.


def relu(x: float) -> float:
    """ReLU, given here as working code."""
    return max(x, 0.0)


@dataclass
class Neuron:
    """One neuron, given here as working code."""

    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        assert len(inputs) == len(self.weights)
        return relu(sum(w * x for w, x in zip(self.weights, inputs)) + self.bias)


def forward_pass_single_layer(input: list[float], layer: list[Neuron]) -> list[float]:
    """One layer, given here as working code: one output per neuron, in order."""
    for neuron in layer:
        assert len(neuron.weights) == len(input)
    return [neuron.compute_output(input) for neuron in layer]


def forward_pass_network(initial_inputs: list[float], layers: list[list[Neuron]]) -> list[float]:
    out = initial_inputs
    for layer in layers:
        out = forward_pass_single_layer(out, layer)
        return out


# %%
# The following is an example of a neural net that takes in two inputs, has
# two outputs, and has three layers: 3 neurons, 2 neurons, and 2 neurons.
# Notice that:
# 1. Because we take in two inputs, the first layer of neurons all have two weights
# 2. Because there are three neurons that feed into the second layer, all the
#    neurons of the second layer have three weights
# 3. Because there are two neurons in the second layer, all the neurons of the
#    third layer have two weights
# 4. We have two inputs and two outputs because the first layer's neurons have
#    two weights each and the last layer has two neurons
demo_network: list[list[Neuron]] = [
    [
        Neuron(weights=[0.1, 0.2], bias=0.3),
        Neuron(weights=[-0.15, 0.1], bias=-0.1),
        Neuron(weights=[0.2, 0.1], bias=0.1),
    ],
    [
        Neuron(weights=[0.1, 0.2, 0.3], bias=0.3),
        Neuron(weights=[-0.15, 0.1, 0.9], bias=-0.1),
    ],
    [
        Neuron(weights=[0.1, 0.2], bias=0.3),
        Neuron(weights=[-0.15, 0.1], bias=-0.1),
    ],
]

# %%
# We could do backpropagation by writing out the chain rule by hand to
# calculate each derivative. This is extremely tedious and no one does this: it
# makes it very hard to experiment with different neural nets, because we would
# have to rederive all our derivatives each time.
#
# Instead ML practitioners always use a library that provides automatic
# differentiation (also called autograd). In our case that will be PyTorch, so
# we skip writing backpropagation for this network by hand.


def backpropagation(network: list[list[Neuron]]):
    # Don't worry about implementing this!
    raise NotImplementedError("This is too tedious to implement.")


if __name__ == "__main__":
    print(f"{forward_pass_network([0.0, 1.0], demo_network)=}  (expected about [0.342, 0.0])")
