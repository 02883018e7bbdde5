# %%
# A unit vector has length 1. Dividing a vector by its length gives the unit
# vector pointing the same way: normalize([3, 4]) == [0.6, 0.8].
#
# Your task: implement `normalize`. The zero vector has no direction: raise
# ValueError for it. `dot` and `norm` are given as working code.
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
    # TODO: Fill this in!
    raise NotImplementedError("normalize: divide every element by the length of v")


if __name__ == "__main__":
    print(normalize([3.0, 4.0]))
