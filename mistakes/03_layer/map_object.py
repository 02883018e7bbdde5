# expect: but returned a map object
# expect: wrap it in list(...)
# map() is lazy: the function returns a map object, not a list.
# %%
from dataclasses import dataclass

# A layer is a list of neurons that all see the same inputs. Every neuron must
# have as many weights as there are inputs coming into the layer. The layer's
# output has one number per neuron, in the same order as the neurons.


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
    for neuron in layer:
        assert len(neuron.weights) == len(input)
    return map(lambda neuron: neuron.compute_output(input), layer)


if __name__ == "__main__":
    test_layer = [
        Neuron(weights=[0.1, 0.2], bias=0.3),
        Neuron(weights=[-0.15, 0.1], bias=-0.1),
        Neuron(weights=[0.2, 0.1], bias=0.1),
    ]
    print(forward_pass_single_layer(input=[5.5, 1.2], layer=test_layer))
