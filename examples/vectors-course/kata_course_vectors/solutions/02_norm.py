# %%
# The length (Euclidean norm) of a vector is the square root of the sum of its
# squared elements: norm([3, 4]) == 5.
import math


def dot(u: list[float], v: list[float]) -> float:
    """The dot product, given here as working code."""
    if len(u) != len(v):
        raise ValueError(f"vectors of lengths {len(u)} and {len(v)} have no dot product")
    return sum(a * b for a, b in zip(u, v))


def norm(v: list[float]) -> float:
    return math.sqrt(dot(v, v))


if __name__ == "__main__":
    print(norm([3.0, 4.0]))
