# expect: returned None
# expect: is the `else` branch, for x <= 0, missing?
# Only the positive case returns; a negative input falls off the end.


def relu(x: float) -> float:
    if x > 0:
        return x
