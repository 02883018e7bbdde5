# expect: return 0.0, not 0
# `max(x, 0)` gives the int 0 for a negative input, not the float 0.0.


def relu(x: float) -> float:
    return max(x, 0)
