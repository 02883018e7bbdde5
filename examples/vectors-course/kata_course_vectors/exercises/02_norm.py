# %%
# The length (Euclidean norm) of a vector is the square root of the sum of its
# squared elements: norm([3, 4]) == 5.
#
# Your task: implement `norm`. `dot` is given as working code.
import math


def dot(u: list[float], v: list[float]) -> float:
    """The dot product, given here as working code."""
    if len(u) != len(v):
        raise ValueError(f"vectors of lengths {len(u)} and {len(v)} have no dot product")
    return sum(a * b for a, b in zip(u, v))


def norm(v: list[float]) -> float:
    # TODO: Fill this in!
    raise NotImplementedError("norm: the square root of v's dot product with itself")


if __name__ == "__main__":
    print(norm([3.0, 4.0]))
