# expect: the inputs were added up without their weights
from dataclasses import dataclass


def relu(x: float) -> float:
    return max(x, 0.0)


@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        assert len(inputs) == len(self.weights)
        return relu(sum(inputs) + self.bias)
