# expect: ReLU was never applied
from dataclasses import dataclass


def relu(x: float) -> float:
    return max(x, 0.0)


@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        assert len(inputs) == len(self.weights)
        total = self.bias
        for weight, input in zip(self.weights, inputs):
            total += weight * input
        return total
