# expect: that is abs(x)
# Flipping the sign of negative inputs instead of clamping them to zero.


def relu(x: float) -> float:
    if x > 0:
        return x
    return -x
