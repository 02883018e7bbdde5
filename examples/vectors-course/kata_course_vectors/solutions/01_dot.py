# %%
# The dot product of u and v multiplies them element by element and adds the
# products up: dot([1, 2, 3], [4, 5, 6]) == 1*4 + 2*5 + 3*6 == 32.


def dot(u: list[float], v: list[float]) -> float:
    if len(u) != len(v):
        raise ValueError(f"vectors of lengths {len(u)} and {len(v)} have no dot product")
    return sum(a * b for a, b in zip(u, v))


if __name__ == "__main__":
    print(dot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]))
