import torch


def scale(x: torch.Tensor, k: float) -> torch.Tensor:
    """x times k, as a new tensor."""
    return x * k
