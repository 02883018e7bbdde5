import torch


def nudge(x: torch.Tensor, lr: float) -> None:
    """One step downhill: change x in place by -lr * x.grad."""
    with torch.no_grad():
        x -= lr * x.grad
