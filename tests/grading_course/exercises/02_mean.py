def mean(values: list[float]) -> float:
    """The mean of a non-empty list of numbers."""
    raise NotImplementedError("mean: return the average of values")
