# expect: Is your `return` inside the loop
from dataclasses import dataclass


def relu(x: float) -> float:
    return max(x, 0.0)


@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        assert len(inputs) == len(self.weights)
        return relu(sum(w * x for w, x in zip(self.weights, inputs)) + self.bias)


def forward_pass_single_layer(input: list[float], layer: list[Neuron]) -> list[float]:
    for neuron in layer:
        assert len(neuron.weights) == len(input)
    outputs = []
    for neuron in layer:
        outputs.append(neuron.compute_output(input))
        return outputs
