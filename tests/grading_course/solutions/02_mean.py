def mean(values: list[float]) -> float:
    """The mean of a non-empty list of numbers."""
    return sum(values) / len(values)
