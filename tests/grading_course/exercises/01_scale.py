import torch


def scale(x: torch.Tensor, k: float) -> torch.Tensor:
    """x times k, as a new tensor."""
    raise NotImplementedError("scale: return x multiplied by k")
