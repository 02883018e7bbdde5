# expect: not the smaller
# min keeps the smaller of x and 0.0: the wrong one.


def relu(x: float) -> float:
    return min(x, 0.0)
