# %%
from dataclasses import dataclass

# A single neuron takes a list of inputs, multiplies each by its own weight,
# adds them up together with a bias, and passes the sum through an activation
# function (here ReLU). The bias is not always +1: it can be any constant.
#
# Don't worry about tensors yet: plain Python iteration is perfectly fine.


def relu(x: float) -> float:
    """ReLU from the previous exercise, given here as working code."""
    return max(x, 0.0)


@dataclass
class Neuron:
    """One neuron: a weight per input, and a bias."""

    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        """
        Compute what the output of a single neuron should look like.
        """
        assert len(inputs) == len(self.weights)
        result = 0
        for weight, input in zip(self.weights, inputs):
            result += weight * input
        return relu(result + self.bias)


if __name__ == "__main__":
    test_neuron = Neuron(weights=[1, 2], bias=0.5)
    print(f"{test_neuron.compute_output([2, 3])=}")
