import torch


def scale(x, k):
    return torch.mul(x, k)


def mean(values):
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


def nudge(x, lr):
    x.data.sub_(lr * x.grad)
