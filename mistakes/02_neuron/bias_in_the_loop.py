# expect: the bias was added once per input
from dataclasses import dataclass


def relu(x: float) -> float:
    return max(x, 0.0)


@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        assert len(inputs) == len(self.weights)
        total = 0.0
        for weight, input in zip(self.weights, inputs):
            total += weight * input + self.bias
        return relu(total)
