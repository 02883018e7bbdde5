# %%
# The dot product of u and v multiplies them element by element and adds the
# products up: dot([1, 2, 3], [4, 5, 6]) == 1*4 + 2*5 + 3*6 == 32.
#
# Your task: implement `dot`. Vectors of different lengths have no dot
# product: raise ValueError for them.


def dot(u: list[float], v: list[float]) -> float:
    # TODO: Fill this in!
    raise NotImplementedError("dot: add up the products of matching elements")


if __name__ == "__main__":
    print(dot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]))
