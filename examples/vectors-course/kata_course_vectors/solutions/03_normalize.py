# %%
# A unit vector has length 1. Dividing a vector by its length gives the unit
# vector pointing the same way: normalize([3, 4]) == [0.6, 0.8].
import math


def dot(u: list[float], v: list[float]) -> float:
    """The dot product, given here as working code."""
    if len(u) != len(v):
        raise ValueError(f"vectors of lengths {len(u)} and {len(v)} have no dot product")
    return sum(a * b for a, b in zip(u, v))


def norm(v: list[float]) -> float:
    """The length of v, given here as working code."""
    return math.sqrt(dot(v, v))


def normalize(v: list[float]) -> list[float]:
    n = norm(v)
    if n == 0:
        raise ValueError("the zero vector has no direction")
    return [x / n for x in v]


if __name__ == "__main__":
    print(normalize([3.0, 4.0]))
